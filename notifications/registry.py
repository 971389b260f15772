"""What the other apps tell notifications about, filled from their AppConfig.ready().

notifications imports neither members nor events: they register here instead.

- A **reminder source** is `fn(now: datetime) -> int`: it starts a fan-out
  (`notifications.fanout.start`, one job per key) for every group of reminders
  due at `now`, and returns how many jobs it started. The dispatcher calls each
  one every minute; it must be quick, since the fan-outs do the queuing. "Due at
  now" means every reminder whose time has come by `now` and is still worth
  sending: after beat was down for an hour the next pass catches up, and the
  keys stop a reminder going out twice.
- A **segment** is a named group of recipients for announcements:
  `choices() -> list[(key, label)]` and `recipients(key, after=0) -> iterable of
  Recipient` in the order of their `cursor`, starting after `after`; and, optionally,
  `page(key) -> url` (or ""): the page where messages to that audience are written and
  followed (an event's attendees: the event's organiser page).
- An **inbound handler** is `fn(message) -> None`: it reads one email an ESP's
  inbound webhook posted to us (an `AnymailInboundMessage`) and acts if the email
  is for it, ignoring it otherwise (events reads calendar replies this way).
- A **composer** (`notifications.composing.register_composer`) makes one kind of
  email from its row; a **fan-out source** (`notifications.fanout.register_source`)
  gives a fan-out its next batch.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from email.message import Message


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str = ""
    user_id: int | None = None
    cursor: int = 0  # where a fan-out resumes after this person


@dataclass(frozen=True)
class SegmentSource:
    choices: Callable[[], list[tuple[str, str]]]
    recipients: Callable[[str], Iterable[Recipient]]
    page: Callable[[str], str] | None = None


reminder_sources: dict[str, Callable[[datetime], int]] = {}
segment_sources: dict[str, SegmentSource] = {}
inbound_handlers: dict[str, Callable[[Message], None]] = {}


def register_reminder_source(name: str, due: Callable[[datetime], int]) -> None:
    reminder_sources[name] = due


def register_segment_source(name: str, source: SegmentSource) -> None:
    segment_sources[name] = source


def register_inbound_handler(name: str, handle: Callable[[Message], None]) -> None:
    inbound_handlers[name] = handle
