from django.core.management.base import BaseCommand

from members import demo as members_demo


class Command(BaseCommand):
    help = "Create the demo society: plans, members in every standing, staff logins. Safe to run twice."

    def handle(self, *args, **options):
        members_demo.seed(self.stdout.write)
        self.stdout.write(self.style.SUCCESS("The demo society is ready."))
