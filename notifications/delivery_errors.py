"""Is a sending error worth retrying? SMTP and ESP errors sorted into permanent or
transient, with words a person can read on the outbox page (in the society's language;
what the server answered is kept as it came)."""

import smtplib

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.utils.translation import gettext_lazy

from config.languages import in_society_language

SERVER_ANSWERED = gettext_lazy("The mail server answered %(answer)s")
CONNECTION_LOST = gettext_lazy("The connection to the mail server was lost: %(error)s")


def _reply(code: int, text: bytes | str) -> str:
    text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"{code} {text}".strip()


def classify(error: Exception) -> tuple[bool, bool, str]:
    """(permanent, connection_lost, description) for an exception raised while sending."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = list(error.recipients.values())
        permanent = all(code >= 500 for code, _ in replies)
        answers = "; ".join(_reply(c, t) for c, t in replies)
        return permanent, False, in_society_language(gettext_lazy("Recipient refused: %(answers)s"), answers=answers)
    if isinstance(error, smtplib.SMTPResponseException):
        # 421: the server is closing the connection; everything else keeps it usable.
        code = error.smtp_code
        answer = _reply(code, error.smtp_error)
        return 500 <= code < 600, code == 421, in_society_language(SERVER_ANSWERED, answer=answer)
    if isinstance(error, smtplib.SMTPServerDisconnected | OSError):
        return False, True, in_society_language(CONNECTION_LOST, error=error or type(error).__name__)
    if isinstance(error, AnymailRecipientsRefused):
        return (
            True,
            False,
            in_society_language(gettext_lazy("The mail service refused the recipient: %(error)s"), error=error),
        )
    if isinstance(error, AnymailAPIError):
        status = getattr(error, "status_code", None)
        # HTTP 4xx means this request is wrong and will stay wrong; 408, 429 and 5xx pass.
        permanent = status is not None and 400 <= status < 500 and status not in (408, 429)
        return permanent, False, in_society_language(gettext_lazy("The mail service answered: %(error)s"), error=error)
    if isinstance(error, smtplib.SMTPException):
        return False, True, in_society_language(gettext_lazy("Mail error: %(error)s"), error=error)
    unexpected = gettext_lazy("Unexpected error while sending: %(kind)s: %(error)s")
    return True, False, in_society_language(unexpected, kind=type(error).__name__, error=error)
