"""The languages a society offers, read strictly from the environment.

`LANGUAGES=en,es` lists the codes offered (the first is the default unless
`LANGUAGE_CODE` says otherwise); each code must be one Django knows, and the
default must be among those offered. Adding a language needs only its code here
and its catalogue under locale/<code>/LC_MESSAGES/.
"""

from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured

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
