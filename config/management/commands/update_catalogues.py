"""`manage.py update_catalogues`: gathers the marked strings of every converted path into
locale/<code>/LC_MESSAGES/django.po (Django's makemessages, which needs GNU gettext),
leaving out the paths pyproject.toml lists as pending (not all marked) or untranslated.
Then translate the new entries and compile (`make messages`)."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from config import translation_check

ALWAYS_IGNORED = [".venv", ".venv/*", "tests/*", "benchmarks/*", "var/*", "node_modules/*", "*/migrations/*"]


class Command(BaseCommand):
    help = "Update the translation catalogues from the converted paths (pending ones left out)."

    def handle(self, *args, **options):
        root = Path(settings.BASE_DIR)
        listed = translation_check.pending_paths(root) + translation_check.pending_paths(root, key="untranslated")
        pending = [path.rstrip("/") for path in listed]
        ignore = ALWAYS_IGNORED + pending + [f"{path}/*" for path in pending]
        others = [code for code, _name in settings.LANGUAGES if code != "en"]
        call_command("makemessages", locale=others, ignore_patterns=ignore, no_obsolete=True, verbosity=1)
