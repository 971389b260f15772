"""Merging two records of one person, across the apps: what each app moves to the
record kept.

members cannot import events (the layers go events → members → notifications), so an
app that keeps rows of a person registers a part here from its AppConfig.ready():

    merge_parts.register_part("events", move=...)

`move(*, from_user_id, from_email, to_user_id, to_email) -> int` runs inside the merge's
transaction and moves that app's rows of the record merged away to the one kept, saying
how many it moved.
"""

from collections.abc import Callable

_parts: dict[str, Callable[..., int]] = {}


def register_part(name: str, *, move: Callable[..., int]) -> None:
    """Add an app's part of a merge (a second registration under a name replaces the first)."""
    _parts[name] = move


def parts() -> list[tuple[str, Callable[..., int]]]:
    return [(name, _parts[name]) for name in sorted(_parts)]
