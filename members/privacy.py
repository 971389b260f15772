"""Each person's own data, across the apps: what a download holds, what closing an
account erases, what the nightly retention pass forgets.

members cannot import events (the layers go events → members → notifications), so an
app that keeps personal data of its own registers a part here from its AppConfig.ready():

    privacy.register_part("events", export=..., erase=..., expire=...)

- `export(*, user_id, email) -> {filename: text}`: the files it adds to the download;
- `erase(*, user_id, email, now)`: forget that person, inside the erasure's transaction;
- `expire(*, now) -> int`: the nightly retention pass of that app (how many rows it forgot).

notifications, below members, is asked directly (`notifications.personal_data`).
"""

from collections.abc import Callable
from dataclasses import dataclass

# RFC 2606 keeps `.invalid` for names that can never be reached: an address written in
# place of a person's can never be mistaken for one, and the outbox never writes to it.
from notifications.preferences import ERASED_DOMAIN, is_erased

__all__ = ["ERASED_DOMAIN", "Part", "PrivacyRefused", "erased_address", "is_erased", "parts", "register_part"]


def erased_address(what: str, number: int) -> str:
    """The address that takes a person's place: `erased-42@erased.invalid`, `rsvp-7@…`."""
    return f"{what}-{number}@{ERASED_DOMAIN}"


class PrivacyRefused(Exception):
    """A request about one's own data that cannot be done now; the message says why."""


@dataclass(frozen=True)
class Part:
    name: str
    export: Callable[..., dict[str, str]]
    erase: Callable[..., None]
    expire: Callable[..., int] | None = None


_parts: dict[str, Part] = {}


def register_part(
    name: str,
    *,
    export: Callable[..., dict[str, str]],
    erase: Callable[..., None],
    expire: Callable[..., int] | None = None,
) -> None:
    """Add an app's part of each person's data (a second registration under a name replaces the first)."""
    _parts[name] = Part(name=name, export=export, erase=erase, expire=expire)


def parts() -> list[Part]:
    return [_parts[name] for name in sorted(_parts)]
