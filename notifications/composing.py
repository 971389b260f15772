"""Composers: how each kind of email is made from the small row its change queued.

The app that owns a kind registers its composer from its AppConfig.ready()
(notifications knows nothing of members or events). A mail worker calls it with
the Delivery row just before sending: the row's `facts` hold the ids and the few
facts that must not drift; everything else is read as it is at that moment.

A composer returns a `Composed`. It raises `Skip` when the email is no longer
worth sending (the person said no since, the event was cancelled): the row is
marked suppressed with the reason. Any other error marks that row failed, with the
error, and the rest of the batch goes on.
"""

import base64
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from config.brand import email_brand
from notifications.languages import languages_for

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes | str
    mimetype: str
    content_id: str = ""  # set for an inline image referenced as cid:<content_id>
    # A body part beside the text and the HTML rather than a file: an iMIP text/calendar
    # part, which mail programs show as an invitation (RFC 6047).
    alternative: bool = False


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str = ""
    attachments: tuple[Attachment, ...] = ()
    headers: dict = field(default_factory=dict)
    # Links in the bodies that act for the recipient (answer, renew, unsubscribe, sign in):
    # the copy kept for staff shows "[personal link]" in their place.
    personal_links: tuple[str, ...] = ()


class Skip(Exception):
    """The email is no longer owed; the message says why, for the outbox page."""


Composer = Callable[..., Composed]
BatchComposer = Callable[[list], dict]

composers: dict[str, Composer] = {}
batch_composers: dict[str, BatchComposer] = {}


def register_composer(kind: str, compose: Composer, *, batch: BatchComposer | None = None) -> None:
    """`compose(row) -> Composed` for one row of `kind`; `batch(rows) -> {row.pk: Composed or
    Exception}`, when given, composes a whole batch at once (one query for many rows)."""
    composers[kind] = compose
    if batch is not None:
        batch_composers[kind] = batch


def render(template: str, context: dict) -> tuple[str, str, str]:
    """Subject, plain text and HTML from `<template>_subject.txt`, `.txt` and `.html`."""
    brand = email_brand()
    context = {
        "org_name": settings.ORG_NAME,
        "org_address": settings.ORG_ADDRESS,
        "site_url": settings.SITE_URL,
        "brand": brand,
        # Inside {% blocktranslate %} a template can only name a plain variable: the link colour.
        "brand_ink": brand["colours"].ink,
        **context,
    }
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    return subject, text, html


def composed_from(row, template: str, context: dict, **extra) -> Composed:
    """A `Composed` rendered from a template trio for `row`, with its unsubscribe link
    (`unsubscribe_url`) when the email is an optional one."""
    if getattr(row, "unsubscribe_url", ""):
        context = {**context, "unsubscribe_url": row.unsubscribe_url}
    subject, text, html = render(template, context)
    return Composed(subject=subject, text=text, html=html, **extra)


def compose_all(rows: Iterable) -> dict:
    """{row.pk: Composed, Skip or another Exception} for every row, batch composers first.
    Each email is written in its recipient's language (notifications/languages.py), which
    is recorded on the row as `language`."""
    rows = list(rows)
    results: dict = {}
    by_kind: dict[tuple[str, str], list] = {}
    languages = languages_for(row for row in rows if not row.prebuilt)
    for row in rows:
        row.language = languages.get(row.pk, row.language)
        by_kind.setdefault((row.kind, row.language), []).append(row)
    for (kind, language), group in by_kind.items():
        with translation.override(language or None):
            results.update(_compose_group(kind, group))
    return results


def _compose_group(kind: str, group: list) -> dict:
    batch = batch_composers.get(kind)
    if batch is None:
        return {row.pk: compose_one(row) for row in group}
    try:
        return batch(group)
    except Exception as error:  # one kind's failure must not stop the others
        logger.exception("Composing a batch of %s failed", kind)
        return dict.fromkeys((row.pk for row in group), error)


def compose_one(row) -> Composed | Exception:
    if row.prebuilt:
        kept = tuple(
            Attachment(a["filename"], base64.b64decode(a["content"]), a["mimetype"], a.get("content_id", ""))
            for a in row.attachments
            if a.get("content")
        )
        return Composed(subject=row.subject, text=row.body_text, html=row.body_html, attachments=kept)
    compose = composers.get(row.kind)
    if compose is None:
        return LookupError(f"No composer is registered for emails of kind {row.kind!r}.")
    try:
        return compose(row)
    except Skip as skip:
        return skip
    except Exception as error:
        logger.exception("Composing %s (%s) failed", row.key, row.kind)
        return error


def redact(text: str, links: Iterable[str]) -> str:
    """The text with each personal link replaced, longest first (a link may contain another)."""
    for link in sorted({link for link in links if link}, key=len, reverse=True):
        text = text.replace(link, "[personal link]")
    return text
