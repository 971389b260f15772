from django.apps import AppConfig


class SocietasConfig(AppConfig):
    """The wiring app: front page, health, and commands that span the other apps."""

    name = "config"
    label = "societas"
    verbose_name = "Societas"
