"""The local mailbox: in the local run every email is written here as an .eml file,
and /dev/mailbox/ (DEBUG only) shows them with their links clickable.
"""

import email
import email.policy
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

MESSAGE_ID = re.compile(r"^[0-9]{8}T[0-9]{12}-[0-9a-f]{32}$")


def mailbox_dir() -> Path:
    path = Path(settings.MAILBOX_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


class MailboxBackend(BaseEmailBackend):
    """Writes each message to its own file, so web and worker processes share one mailbox."""

    def send_messages(self, email_messages):
        folder = mailbox_dir()
        for message in email_messages:
            name = f"{timezone.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex}"
            tmp = folder / f".{name}.tmp"
            tmp.write_bytes(message.message().as_bytes(linesep="\n"))
            tmp.rename(folder / f"{name}.eml")  # atomic: the page never sees half a message
        return len(email_messages)


@dataclass
class StoredMail:
    id: str
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    @property
    def to(self) -> str:
        return str(self.message.get("To", ""))

    @property
    def sender(self) -> str:
        return str(self.message.get("From", ""))

    @property
    def saved_at(self) -> datetime:
        return datetime.strptime(self.id[:21], "%Y%m%dT%H%M%S%f").replace(tzinfo=UTC)

    def body(self, subtype: str) -> str:
        part = self.message.get_body(preferencelist=(subtype,))
        return part.get_content() if part is not None and part.get_content_subtype() == subtype else ""

    def attachments(self) -> list:
        return list(self.message.iter_attachments())

    def attachment_list(self) -> list[dict]:
        """Name, type and Content-ID of each attachment, in order (templates cannot call
        methods on email parts: a part's [] lookup answers every name with a header)."""
        return [
            {
                "index": index,
                "filename": part.get_filename() or "attachment",
                "content_type": part.get_content_type(),
                "content_id": str(part.get("Content-ID", "")).strip("<>"),
            }
            for index, part in enumerate(self.attachments())
        ]


def _read(path: Path) -> StoredMail:
    with path.open("rb") as handle:
        return StoredMail(id=path.stem, message=email.message_from_binary_file(handle, policy=email.policy.default))


def list_messages(*, to: str = "", limit: int = 200) -> list[StoredMail]:
    paths = sorted(mailbox_dir().glob("*.eml"), reverse=True)
    messages = (_read(path) for path in paths)
    return [m for m in messages if to.lower() in m.to.lower()][:limit]


def get_message(message_id: str) -> StoredMail | None:
    if not MESSAGE_ID.match(message_id):
        return None
    path = mailbox_dir() / f"{message_id}.eml"
    return _read(path) if path.exists() else None


def empty_mailbox() -> int:
    paths = list(mailbox_dir().glob("*.eml"))
    for path in paths:
        path.unlink(missing_ok=True)
    return len(paths)
