from types import SimpleNamespace

import pytest
from django.db import transaction

from notifications import composing, outbox
from notifications.models import Category, Delivery

TEMPLATE = "notifications/email/announcement"


def compose_test_reminder(row):
    """A composer as an app registers one: the message from the row's facts."""
    subject = row.facts["subject"]
    context = {"subject": subject, "body_html": f"<p>{subject} body</p>", "body_text": f"{subject} body"}
    return composing.composed_from(row, TEMPLATE, context)


composing.register_composer("test-reminder", compose_test_reminder)


def queue(key: str, to: str = "ann@example.org", *, category: str = Category.REMINDERS, subject: str = "Hello"):
    """Queue one email (composed by a worker with the announcement template) in its own transaction."""
    with transaction.atomic():
        created = outbox.queue(key=key, to=to, kind="test-reminder", facts={"subject": subject}, category=category)
    return SimpleNamespace(created=created, delivery=Delivery.objects.get(key=key))


@pytest.fixture
def fast_retries(settings):
    settings.OUTBOX_RETRY_DELAYS = [60, 300, 900]
    return settings.OUTBOX_RETRY_DELAYS


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The factories give every user a password; a slow hash makes no test truer here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
