from django.apps import AppConfig


class SocietasConfig(AppConfig):
    """The wiring app: front page, health, and commands that span the other apps."""

    name = "config"
    label = "societas"
    verbose_name = "Societas"

    def ready(self):
        from config import language_views  # noqa: F401  (connects the sign-in signal)
