from django.core.management.base import BaseCommand, CommandError

from notifications import reminders


class Command(BaseCommand):
    help = "One pass of the reminder dispatcher, as Celery beat runs it every minute."

    def handle(self, *args, **options):
        counts = reminders.dispatch()
        if not counts:
            self.stdout.write("No reminder sources are registered.")
        for name, count in counts.items():
            self.stdout.write(f"{name}: {'FAILED (see the log)' if count is None else f'{count} queued'}")
        if any(count is None for count in counts.values()):
            raise CommandError("At least one reminder source failed.")
