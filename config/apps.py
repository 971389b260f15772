from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class SocietasConfig(AppConfig):
    """The wiring app: front page, health, and commands that span the other apps."""

    name = "config"
    label = "societas"
    verbose_name = gettext_lazy("Societas")

    def ready(self):
        from config import language_views  # noqa: F401  (connects the sign-in signal)
