"""Amounts written as the reader's language writes them: "$1,500.00" in English,
"1500,00 US$" in Spanish, with the symbol where the language puts it.

Babel (requirements.txt) knows every locale's pattern. Without it (a virtualenv made
before it was pinned) Django's own number formats give the separators, and the
symbol goes after the number for the languages that write it there.
"""

from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.formats import number_format

try:
    from babel.numbers import format_currency as babel_format_currency
except ImportError:
    babel_format_currency = None

# Languages that write the currency symbol after the amount, with a space.
SYMBOL_AFTER = {"es", "fr", "de", "it", "pt", "nl", "ca", "pl", "sv", "da", "nb", "fi", "cs", "ru", "uk"}


def format_amount(amount: Decimal, currency: str, *, symbol: str, places: int) -> str:
    """`amount` (in whole units) as money text in the active language."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    if babel_format_currency is not None:
        return babel_format_currency(amount, currency, locale=translation.to_locale(language))
    number = number_format(amount, decimal_pos=places, use_l10n=True, force_grouping=True)
    if not symbol:
        return f"{number}\N{NO-BREAK SPACE}{currency}"
    if language.split("-")[0] in SYMBOL_AFTER:
        return f"{number}\N{NO-BREAK SPACE}{symbol}"
    return f"{symbol}{number}"
