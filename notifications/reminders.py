"""The reminder dispatcher: every minute (Celery beat) it asks each registered
reminder source to queue what is due. Sources find what is due from the database
and queue it under idempotency keys, so a second pass, or a pass after beat was
down for an hour, queues each reminder once."""

import logging
from datetime import datetime

from django.utils import timezone

from notifications import registry

logger = logging.getLogger(__name__)


def dispatch(*, now: datetime | None = None) -> dict[str, int | None]:
    """Call every reminder source for `now`; how many each newly queued (None: it failed).

    One source that raises does not stop the others; its error is logged and the
    next pass tries again."""
    now = now or timezone.now()
    counts: dict[str, int | None] = {}
    for name, due in sorted(registry.reminder_sources.items()):
        try:
            counts[name] = int(due(now))
        except Exception:
            logger.exception("Reminder source %r failed", name)
            counts[name] = None
    return counts
