"""What the outbox holds, as the recipient would read it: each row composed by its
app's composer, exactly as a mail worker would just before sending it."""

import base64
from dataclasses import dataclass

from notifications import fanout, sending
from notifications.composing import Skip
from notifications.models import Delivery


@dataclass
class Mail:
    row: Delivery
    subject: str
    body_text: str
    body_html: str
    headers: dict
    attachments: list

    def __getattr__(self, name):
        return getattr(self.row, name)


def composed(delivery: Delivery) -> Mail:
    message = sending.preview(delivery)
    attachments = [
        {"filename": a.filename, "mimetype": a.mimetype, "content": _base64(a.content), "content_id": a.content_id}
        for a in message.attachments
    ]
    return Mail(delivery, message.subject, message.text, message.html, message.headers, attachments)


def _base64(content: bytes | str) -> str:
    return base64.b64encode(content.encode() if isinstance(content, str) else content).decode()


def run_fan_outs() -> int:
    """Run every started fan-out to its end here, as the workers would."""
    return fanout.drain()


def mails(**filters) -> list[Mail]:
    """Every queued email matching `filters` that a worker would send now, composed, oldest
    first (fan-outs run first); one its composer would skip is left out."""
    run_fan_outs()
    found = []
    for row in Delivery.objects.filter(**filters).order_by("pk"):
        try:
            found.append(composed(row))
        except Skip:
            continue
    return found
