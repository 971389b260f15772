"""The reminder dispatcher: every minute (Celery beat) it asks each registered
reminder source to start the fan-outs that are due. Sources find what is due from
the database; each group of reminders is one fan-out job under its own key, and
each email has its own idempotency key, so a second pass, or a pass after beat
was down for an hour, sends each reminder once.

A pass is claimed for its minute (`Pass`): a second beat started by mistake, or a
task delivered twice, finds the minute taken and does nothing.
"""

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications import registry
from notifications.models import Pass

logger = logging.getLogger(__name__)


def claim_pass(name: str, *, now: datetime, seconds: int = 60) -> bool:
    """Take the time slot of `seconds` that `now` falls in for one pass of `name`; False if taken."""
    epoch = int(now.timestamp())
    slot = datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo or timezone.get_current_timezone())
    try:
        with transaction.atomic():
            Pass.objects.create(name=name, slot=slot)
    except IntegrityError:
        return False
    return True


def forget_old_passes(*, now: datetime, keep: timedelta = timedelta(days=2)) -> int:
    return Pass.objects.filter(slot__lt=now - keep).delete()[0]


def dispatch(*, now: datetime | None = None, once_per_minute: bool = True) -> dict[str, int | None]:
    """Call every reminder source for `now`; how many fan-outs each started (None: it failed).
    With `once_per_minute`, a pass already made this minute makes this one do nothing.

    One source that raises does not stop the others; its error is logged and the
    next pass tries again."""
    now = now or timezone.now()
    if once_per_minute and not claim_pass("reminders", now=now):
        logger.info("The reminder pass for this minute has already run; nothing to do.")
        return {}
    counts: dict[str, int | None] = {}
    for name, due in sorted(registry.reminder_sources.items()):
        try:
            counts[name] = int(due(now))
        except Exception:
            logger.exception("Reminder source %r failed", name)
            counts[name] = None
    return counts
