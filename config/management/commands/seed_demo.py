from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils.module_loading import module_has_submodule

# Order matters: events invite members, notifications send to both.
DEMO_APPS = ["members", "events", "notifications"]


class Command(BaseCommand):
    help = "Create the demo society: plans, members in every standing, staff logins, events. Safe to run twice."

    def handle(self, *args, **options):
        for label in DEMO_APPS:
            app = apps.get_app_config(label)
            if module_has_submodule(app.module, "demo"):
                import_module(f"{label}.demo").seed(self.stdout.write)
        self.stdout.write(self.style.SUCCESS("The demo society is ready."))
