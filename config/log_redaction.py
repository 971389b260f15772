"""Keep link tokens out of logs.

Several addresses carry a key in their path: an RSVP (/r/…), an unsubscribe link (/u/…),
a one-step renewal, the card settings link, a private calendar feed, a door check-in
code, allauth's email confirmation and password reset. Whoever reads an access log must
not be able to use them, so every log line passes through `redact`: Django's loggers
(runserver's access log included) through the `RedactTokens` filter, gunicorn's access
log through `GunicornLogger` (a log format alone cannot redact).
"""

import logging
import re

from gunicorn.glogging import Logger

# Each: the path up to the token, the token (up to the next slash, query, quote or space).
TOKEN_PATHS = re.compile(
    r"(?P<prefix>/(?:r|u|renew|membership/card|membership/close|membership/data|manage/events/check-in|accounts/confirm-email)/)"
    r"(?P<token>[^/?#\s\"']+)"
    r"|(?P<feed>/events/my-calendar/)[^/?#\s\"']+?(?=\.ics)"
    r"|(?P<reset>/accounts/password/reset/key/)(?!done/)[^/?#\s\"']+"
)
TOKEN = "[token]"  # noqa: S105 (what is written in place of a token, not a secret)


def _replace(match: re.Match) -> str:
    return (match.group("prefix") or match.group("feed") or match.group("reset")) + TOKEN


def redact(text: str) -> str:
    """The text with the token of every token-carrying path replaced by [token]."""
    return TOKEN_PATHS.sub(_replace, text)


class RedactTokens(logging.Filter):
    """A handler filter: the record's message, formatted, with its tokens redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class GunicornLogger(Logger):
    """gunicorn's logger with every access-log field redacted (request line, path,
    query and referer, which carries the previous page's address)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}
