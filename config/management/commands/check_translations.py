"""`manage.py check_translations`: fails when a checked template or module has a string a
person reads that is not marked for translation, a catalogue has an empty or fuzzy
entry, or a marked string is in no catalogue of a language. The rules are in
config/translation_check.py and config/translation_coverage.py; paths not yet converted are listed
in pyproject.toml under [tool.societas.translations] pending."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config import translation_check, translation_coverage


class Command(BaseCommand):
    help = "Check that every string a person reads is marked for translation, and the catalogues are complete."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="Check the pending paths too (to see what is left to convert)."
        )
        parser.add_argument("--root", default=str(settings.BASE_DIR), help="The project folder to check.")

    def handle(self, *args, **options):
        root = Path(options["root"])
        pending = [] if options["all"] else None
        findings = [
            *translation_check.unmarked(root, pending=pending),
            *translation_check.catalogue_findings(root),
            *translation_coverage.untranslated(root, pending=pending),
        ]
        for finding in findings:
            self.stdout.write(str(finding))
        if findings:
            raise CommandError(f"{len(findings)} string(s) not marked for translation or not translated (above).")
        self.stdout.write("Every checked string is marked, and every catalogue entry is translated.")
