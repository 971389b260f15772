"""Is a sending error worth retrying? SMTP and ESP errors sorted into permanent or
transient, with words a person can read on the outbox page."""

import smtplib

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused


def _reply(code: int, text: bytes | str) -> str:
    text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return f"{code} {text}".strip()


def classify(error: Exception) -> tuple[bool, bool, str]:
    """(permanent, connection_lost, description) for an exception raised while sending."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = list(error.recipients.values())
        permanent = all(code >= 500 for code, _ in replies)
        return permanent, False, "Recipient refused: " + "; ".join(_reply(c, t) for c, t in replies)
    if isinstance(error, smtplib.SMTPResponseException):
        # 421: the server is closing the connection; everything else keeps it usable.
        code = error.smtp_code
        return 500 <= code < 600, code == 421, f"The mail server answered {_reply(code, error.smtp_error)}"
    if isinstance(error, smtplib.SMTPServerDisconnected | OSError):
        return False, True, f"The connection to the mail server was lost: {error or type(error).__name__}"
    if isinstance(error, AnymailRecipientsRefused):
        return True, False, f"The mail service refused the recipient: {error}"
    if isinstance(error, AnymailAPIError):
        status = getattr(error, "status_code", None)
        # HTTP 4xx means this request is wrong and will stay wrong; 408, 429 and 5xx pass.
        permanent = status is not None and 400 <= status < 500 and status not in (408, 429)
        return permanent, False, f"The mail service answered: {error}"
    if isinstance(error, smtplib.SMTPException):
        return False, True, f"Mail error: {error}"
    return True, False, f"Unexpected error while sending: {type(error).__name__}: {error}"
