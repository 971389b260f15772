from django.core.management.base import BaseCommand, CommandError

from notifications import fanout, reminders


class Command(BaseCommand):
    help = (
        "One pass of the reminder dispatcher, as Celery beat runs it every minute, then the "
        "fan-outs it started, run here to their end (the workers send the emails)."
    )

    def handle(self, *args, **options):
        counts = reminders.dispatch(once_per_minute=False)
        if not counts:
            self.stdout.write("No reminder sources are registered.")
        for name, count in counts.items():
            self.stdout.write(f"{name}: {'FAILED (see the log)' if count is None else f'{count} fan-outs started'}")
        ran = fanout.drain()
        self.stdout.write(f"Fan-outs run to their end here: {ran}.")
        if any(count is None for count in counts.values()):
            raise CommandError("At least one reminder source failed.")
