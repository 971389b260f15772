"""Money is integer minor units (cents) everywhere; this turns it into text and back."""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.money_format import format_amount

# Currencies Stripe counts in whole units: their "cents" are the units themselves.
ZERO_DECIMAL = {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF"}
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "NZD": "NZ$", "JPY": "¥"}
_AMOUNT = re.compile(r"^\d+(\.\d*)?$|^\.\d+$")


class AmountError(ValueError):
    """An amount a person typed that is not money; the message says why, in their words."""


def places(currency: str) -> int:
    return 0 if currency.upper() in ZERO_DECIMAL else 2


def to_decimal(cents: int, currency: str) -> Decimal:
    return Decimal(cents).scaleb(-places(currency))


def format_money(cents: int, currency: str) -> str:
    """'$60.00' in English, '60,00 $' in Spanish: an amount in minor units, written as the
    active language writes money (config/money_format.py)."""
    currency = currency.upper()
    amount = to_decimal(cents, currency)
    return format_amount(amount, currency, symbol=SYMBOLS.get(currency, ""), places=places(currency))


def plain_amount(cents: int, currency: str) -> str:
    """The amount as a plain number for forms and CSV: '60.00'."""
    return f"{to_decimal(cents, currency):.{places(currency)}f}"


def parse_amount(text: str, currency: str) -> int:
    """Cents from what a person typed: '25', '25.5', '1,000.00', '$25'. Raises AmountError."""
    cleaned = str(text).strip().replace(",", "").replace(" ", "")
    for symbol in {SYMBOLS.get(currency.upper(), ""), currency.upper(), currency.lower()} - {""}:
        cleaned = cleaned.removeprefix(symbol).removesuffix(symbol)
    if cleaned.startswith("-"):
        raise AmountError(_("The amount cannot be negative."))
    if not cleaned or not _AMOUNT.match(cleaned):
        raise AmountError(_("Enter an amount as a number, such as 25 or 25.50."))
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise AmountError(_("Enter an amount as a number, such as 25 or 25.50.")) from None
    digits = places(currency)
    if value != value.quantize(Decimal(1).scaleb(-digits)):
        if not digits:
            raise AmountError(_("Use a whole number."))
        raise AmountError(
            ngettext("Use at most %(digits)s decimal place.", "Use at most %(digits)s decimal places.", digits)
            % {"digits": digits}
        )
    cents = int(value.scaleb(digits))
    if cents > 100_000_000:
        raise AmountError(_("That amount is too large."))
    return cents
