"""Small strict readers for settings that come from the environment.

Each one refuses a value it cannot understand with ImproperlyConfigured, naming
the variable, rather than guessing: `DEBUG=maybe` is a mistake, not False.
"""

import os
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = env_str(name)
    if raw == "":
        return default
    if raw.lower() in TRUE_WORDS:
        return True
    if raw.lower() in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a yes/no value; use one of: true, false, 1, 0, yes, no, on, off."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = env_str(name)
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is too small; it must be at least {minimum}.")
    return value


def env_int_item(name: str, raw: str) -> int:
    """One whole number (zero or more) from a comma-separated list variable."""
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} holds {raw!r}, which is not a whole number.") from None
    if value < 0:
        raise ImproperlyConfigured(f"{name} holds {value}; use numbers of days, 0 or more.")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = env_str(name)
    if raw == "":
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, default: str = "", *, schemes: tuple[str, ...]) -> str:
    raw = env_str(name, default)
    if raw == "":
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in schemes or not (parts.netloc or parts.path):
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a URL of the form {' or '.join(s + '://…' for s in schemes)}."
        )
    return raw.rstrip("/") if parts.scheme in ("http", "https") else raw


def email_settings_from_url(name: str, url: str) -> dict:
    """Django email settings from a URL such as smtp+tls://user:pass@host:587.

    Schemes: smtp, smtp+tls (STARTTLS), smtp+ssl (implicit TLS), console, mailbox
    (the local mailbox readable at /dev/mailbox/).
    """
    parts = urlsplit(url)
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "mailbox":
        return {"EMAIL_BACKEND": "notifications.mailbox.MailboxBackend"}
    if parts.scheme not in ("smtp", "smtp+tls", "smtp+ssl"):
        raise ImproperlyConfigured(
            f"{name} must start with smtp://, smtp+tls://, smtp+ssl://, console:// or mailbox://."
        )
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a port that is not a number.") from None
    if not parts.hostname:
        raise ImproperlyConfigured(f"{name} names no mail server host.")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if parts.scheme == "smtp+ssl" else 587 if parts.scheme == "smtp+tls" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": parts.scheme == "smtp+tls",
        "EMAIL_USE_SSL": parts.scheme == "smtp+ssl",
    }


def env_hex_colour(name: str, default: str) -> str:
    """A colour written #rrggbb (or #rgb), returned as lower-case #rrggbb."""
    raw = env_str(name, default)
    digits = raw.removeprefix("#")
    if not raw.startswith("#") or len(digits) not in (3, 6) or any(c not in "0123456789abcdefABCDEF" for c in digits):
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a hex colour; write it as # and six hex digits, e.g. #1f4e79."
        )
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits.lower()
