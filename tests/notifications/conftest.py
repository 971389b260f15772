import pytest
from django.db import transaction

from notifications import outbox
from notifications.models import Category


def queue(key: str, to: str = "ann@example.org", *, category: str = Category.REMINDERS, subject: str = "Hello"):
    """Queue one real email (the announcement template) in its own transaction."""
    with transaction.atomic():
        return outbox.queue_email(
            key=key,
            to=to,
            kind="test-reminder",
            template="notifications/email/announcement",
            context={"subject": subject, "body_html": f"<p>{subject} body</p>", "body_text": f"{subject} body"},
            category=category,
        )


@pytest.fixture
def fast_retries(settings):
    settings.OUTBOX_RETRY_DELAYS = [60, 300, 900]
    return settings.OUTBOX_RETRY_DELAYS
