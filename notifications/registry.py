"""What the other apps tell notifications about, filled from their AppConfig.ready().

notifications imports neither members nor events: they register here instead.

- A **reminder source** is `fn(now: datetime) -> int`: it queues (through
  `outbox.queue_email`, with idempotency keys) every reminder due at `now`, and
  returns how many it newly queued. The dispatcher calls each one every minute.
  "Due at now" means every reminder whose time has come by `now` and is still
  worth sending, not only those of the last minute: after beat was down for an
  hour the next pass catches up, and the keys stop a reminder going out twice.
- A **segment** is a named group of recipients for announcements:
  `choices() -> list[(key, label)]` and `recipients(key) -> iterable of Recipient`.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str = ""
    user_id: int | None = None


@dataclass(frozen=True)
class SegmentSource:
    choices: Callable[[], list[tuple[str, str]]]
    recipients: Callable[[str], Iterable[Recipient]]


reminder_sources: dict[str, Callable[[datetime], int]] = {}
segment_sources: dict[str, SegmentSource] = {}


def register_reminder_source(name: str, due: Callable[[datetime], int]) -> None:
    reminder_sources[name] = due


def register_segment_source(name: str, source: SegmentSource) -> None:
    segment_sources[name] = source
