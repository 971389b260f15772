"""The languages a society offers, read strictly from the environment.

`LANGUAGES=en,es` lists the codes offered (the first is the default unless
`LANGUAGE_CODE` says otherwise); each code must be one Django knows, and the
default must be among those offered. Adding a language needs only its code here
and its catalogue under locale/<code>/LC_MESSAGES/.

Words kept in a record and read later (why a delivery failed, why a payment was
refunded, who did something) are written once in the society's language, as minutes
are, whatever language the request or worker was in: `in_society_language`.
"""

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django.utils.functional import Promise

from config.env import env_list, env_str


def languages_from_env() -> tuple[list[tuple[str, str]], str]:
    """(LANGUAGES, LANGUAGE_CODE) from the environment: [(code, name in that language)], default."""
    codes = [code.lower() for code in env_list("LANGUAGES", ["en", "es"])]
    unknown = [code for code in codes if code not in LANG_INFO or "fallback" in LANG_INFO[code]]
    if unknown:
        raise ImproperlyConfigured(
            f"LANGUAGES holds {', '.join(unknown)}, which is not a language code Django knows (such as en, es, fr)."
        )
    if len(set(codes)) != len(codes):
        raise ImproperlyConfigured("LANGUAGES names a language twice.")
    default = env_str("LANGUAGE_CODE", codes[0]).lower()
    if default not in codes:
        raise ImproperlyConfigured(f"LANGUAGE_CODE={default!r} is not one of LANGUAGES ({', '.join(codes)}).")
    # Each language is offered under its own name (a reader of Spanish looks for "Español").
    return [(code, _capitalised(LANG_INFO[code]["name_local"])) for code in codes], default


def _capitalised(name: str) -> str:
    return name[:1].upper() + name[1:]


def in_society_language(text: Promise | str, /, **params) -> str:
    """`text` (marked with gettext_lazy, with `%(name)s` placeholders for `params`) as a
    plain string in the society's language (settings.LANGUAGE_CODE), to store in a record."""
    with translation.override(settings.LANGUAGE_CODE):
        if not params:
            return str(text)
        # `%` on the lazy text itself, so an ngettext_lazy(..., "count") picks its plural from params.
        return str(text % {name: str(value) if isinstance(value, Promise) else value for name, value in params.items()})
