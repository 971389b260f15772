"""Which column of a member list holds what: guessed from the headers (other systems'
exports included, so they import without editing), changed by the treasurer, and
each value of the plan column matched to one of our plans."""

import re
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from members.import_reading import records
from members.models import Plan

IGNORE = ""
FIELDS = {
    "email": _("Email address"),
    "full_name": _("Full name"),
    "first_name": _("Given name"),
    "last_name": _("Family name"),
    "member_number": _("Member number"),
    "plan": _("Plan"),
    "member_since": _("Member since"),
    "term_start": _("Start of the current term"),
    "paid_through": _("Paid through (expiry date)"),
    "last_payment_amount": _("Last payment: amount"),
    "last_payment_date": _("Last payment: date"),
    "address_line1": _("Address"),
    "address_line2": _("Address (line 2)"),
    "city": _("City or town"),
    "postal_code": _("Postcode"),
    "country": _("Country"),
    "phone": _("Phone"),
    "directory_consent": _("Listed in the directory (yes/no)"),
    "notes": _("Notes"),
}
# Headers as people and other systems write them (Wild Apricot's contact export and
# CiviCRM's membership export among them), compared after `_plain`.
ALIASES = {
    "email": ["email", "e mail", "email address", "e mail address", "primary email", "mail"],
    "full_name": ["name", "full name", "display name", "member name", "contact name", "sort name"],
    "first_name": ["first name", "given name", "forename", "first names", "firstname"],
    "last_name": ["last name", "surname", "family name", "lastname"],
    "member_number": ["member number", "membership number", "member no", "membership no", "member id", "number"],
    "plan": ["plan", "membership level", "membership type", "level", "membership plan", "membership category"],
    "member_since": ["member since", "joined", "join date", "date joined", "joined on", "member from"],
    "term_start": ["membership start date", "start date", "term start", "current term start"],
    "paid_through": [
        "paid through",
        "paid until",
        "paid to",
        "expiry",
        "expiry date",
        "expires",
        "expiration date",
        "membership end date",
        "end date",
        "renewal due",
        "renewal date",
        "membership expires",
        "valid until",
    ],
    "last_payment_amount": ["last payment amount", "amount paid", "last payment", "payment amount", "dues paid"],
    "last_payment_date": ["last payment date", "payment date", "date paid", "last paid", "paid on"],
    "address_line1": ["address", "address line 1", "street address", "street", "address 1", "address1"],
    "address_line2": ["address line 2", "address 2", "address2", "supplemental address 1"],
    "city": ["city", "town", "town city", "city town"],
    "postal_code": ["postcode", "post code", "postal code", "zip", "zip code", "zip postal code", "postal zip code"],
    "country": ["country"],
    "phone": ["phone", "telephone", "phone number", "mobile", "mobile phone", "cell phone"],
    "directory_consent": ["directory", "directory consent", "list in directory", "show in directory", "in directory"],
    "notes": ["notes", "note", "comments", "comment"],
}
# Columns that other systems export and that we need not read, and why: standing is
# worked out from the dates, never taken from a file; accounts have our own keys.
NOT_NEEDED = {
    **dict.fromkeys(["membership status", "status"], _("Not needed: standing is worked out from the dates.")),
    **dict.fromkeys(
        ["user id", "contact id", "membership id", "id"], _("Not needed: the other system's own key for the record.")
    ),
}
MAX_PLAN_VALUES = 50


@dataclass(frozen=True)
class Columns:
    """A saved mapping: {field: column index}, {plan value: plan id or None}, date order."""

    fields: dict[str, int]
    plans: dict[str, int | None] = field(default_factory=dict)
    day_first: bool = True

    def has(self, name: str) -> bool:
        return name in self.fields


def _plain(header: str) -> str:
    text = header.lower().replace("#", " number ").replace("-", " ").replace("_", " ")
    text = re.sub(r"\bno\.", "no", text)
    return " ".join(re.sub(r"[^a-z0-9 ]+", " ", text).split())


_BY_ALIAS = {alias: name for name, aliases in ALIASES.items() for alias in aliases}


def guess_field(header: str) -> str:
    return _BY_ALIAS.get(_plain(header), IGNORE)


def why_not_needed(header: str) -> str:
    """Why a column other systems export is left out, or "" if it is not one of them."""
    return str(NOT_NEEDED.get(_plain(header), ""))


def guess_columns(headers: list[str]) -> dict[str, int]:
    """{field: column index} for the headers we recognise; the first column wins a field."""
    guessed: dict[str, int] = {}
    for index, header in enumerate(headers):
        name = guess_field(header)
        if name and name not in guessed:
            guessed[name] = index
    return guessed


def plan_values(text: str, delimiter: str, column: int) -> list[tuple[str, int]]:
    """Each distinct value of the plan column, with how many rows have it, most used first."""
    seen: Counter = Counter()
    for record in records(text, delimiter):
        if not any(cell.strip() for cell in record.cells):
            continue
        value = record.cells[column].strip() if column < len(record.cells) else ""
        seen[value] += 1
    return seen.most_common()


def guess_plans(values: list[str], plans: list[Plan]) -> dict[str, int | None]:
    """Each value matched to the plan whose name or slug it is (ignoring case), else None."""
    by_name = {}
    for plan in plans:
        by_name.setdefault(_plain(plan.name), plan.pk)
        by_name.setdefault(_plain(plan.slug), plan.pk)

    def match(value: str) -> int | None:
        if _plain(value) in by_name:
            return by_name[_plain(value)]
        # "Regular" for our "Regular member": taken when one plan alone begins so.
        starting = [plan.pk for plan in plans if _plain(plan.name).startswith(_plain(value) + " ")]
        return starting[0] if len(starting) == 1 else None

    return {value: match(value) if value else None for value in values}


def day_first_from(text: str, delimiter: str, date_columns: list[int]) -> bool:
    """Whether dates like 03/04/2025 are day first: yes unless a value such as 12/25/2025
    shows the month first (and none shows the day first)."""
    day, month = False, False
    for record in records(text, delimiter):
        for column in date_columns:
            value = record.cells[column].strip() if column < len(record.cells) else ""
            parts = re.match(r"^(\d{1,2})[/.](\d{1,2})[/.]\d{2,4}", value)
            if parts:
                first, second = int(parts.group(1)), int(parts.group(2))
                day |= first > 12
                month |= second > 12
        if record.row > 2000:
            break
    return not (month and not day)


def samples(text: str, delimiter: str, width: int, *, count: int = 3) -> list[list[str]]:
    """The first few values of each column, to show beside its choice."""
    found: list[list[str]] = [[] for _ in range(width)]
    for record in records(text, delimiter):
        for index, cell in enumerate(record.cells[:width]):
            if cell.strip() and len(found[index]) < count:
                found[index].append(cell.strip()[:40])
        if all(len(values) >= count for values in found) or record.row > 50:
            break
    return found
