"""One row of a member list read into what it says about a person, with every problem
in it named by row and column, in words a treasurer understands."""

import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from members.import_mapping import FIELDS, Columns
from members.money import AmountError, parse_amount

PROFILE_FIELDS = ("address_line1", "address_line2", "city", "postal_code", "country", "phone")
LIMITS = {"first_name": 100, "last_name": 100, "address_line1": 200, "address_line2": 200, "city": 100,
          "postal_code": 20, "country": 100, "phone": 40}  # fmt: skip
YES = {"yes", "y", "true", "1", "x", "ja", "oui", "si", "sí"}
NO = {"no", "n", "false", "0", "nein", "non"}
_MONTHS = "%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y", "%d-%b-%Y", "%d-%b-%y"


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str


@dataclass
class Person:
    row: int
    email: str
    first_name: str = ""
    last_name: str = ""
    number: int | None = None
    plan_value: str = ""
    member_since: datetime.date | None = None
    term_start: datetime.date | None = None
    paid_through: datetime.date | None = None
    paid_on: datetime.date | None = None
    amount_cents: int | None = None
    profile: dict = field(default_factory=dict)  # only what the row says; an empty cell changes nothing
    consent: bool | None = None
    notes: str = ""


def read_person(
    cells: list[str], *, row: int, columns: Columns, headers: list[str], currency: str, today: datetime.date
) -> tuple[Person | None, list[Problem]]:
    """The person a row describes, and its problems (a row with any is not imported)."""
    problems: list[Problem] = []

    def cell(name: str) -> str:
        index = columns.fields.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def problem(name: str, message: str) -> None:
        index = columns.fields.get(name)
        column = headers[index] if index is not None and index < len(headers) else str(FIELDS.get(name, name))
        problems.append(Problem(row, column or str(FIELDS[name]), message))

    email = cell("email").lower()
    if not email:
        problem("email", _("There is no email address, so this person cannot be imported."))
    else:
        try:
            validate_email(email)
        except ValidationError:
            problem("email", _("“%(value)s” is not an email address.") % {"value": email})
    if len(cells) > len(headers) and any(c.strip() for c in cells[len(headers) :]):
        problems.append(
            Problem(row, "", _("This row has more cells than the header has columns; is a comma missing its quotes?"))
        )
    person = Person(row=row, email=email, plan_value=cell("plan"), notes=cell("notes"))
    person.first_name, person.last_name = _names(cell("first_name"), cell("last_name"), cell("full_name"))
    _read_number(person, cell("member_number"), problem)
    for name in ("member_since", "term_start", "paid_through", "last_payment_date"):
        value = cell(name)
        if value:
            day = parse_date(value, day_first=columns.day_first)
            if day is None:
                problem(name, _("“%(value)s” is not a date we can read (write it like 2025-03-31).") % {"value": value})
            setattr(person, "paid_on" if name == "last_payment_date" else name, day)
    _read_payment(person, cell("last_payment_amount"), bool(cell("last_payment_date")), currency, today, problem)
    _read_plan(person, columns, problem)
    consent = cell("directory_consent").lower()
    if consent:
        person.consent = True if consent in YES else False if consent in NO else None
        if person.consent is None:
            problem("directory_consent", _("“%(value)s” is neither yes nor no.") % {"value": consent})
    for name in PROFILE_FIELDS:
        if cell(name):
            person.profile[name] = cell(name)
    for name, limit in LIMITS.items():
        value = person.profile.get(name) or getattr(person, name, "")
        if isinstance(value, str) and len(value) > limit:
            problem(name, _("This is longer than the %(limit)s characters we keep.") % {"limit": limit})
    return (None if problems else person), problems


def _names(first: str, last: str, full: str) -> tuple[str, str]:
    if first or last:
        return first, last
    words = full.split()
    if len(words) < 2:
        return full, ""
    return " ".join(words[:-1]), words[-1]


def _read_number(person: Person, value: str, problem) -> None:
    if not value:
        return
    digits = value.lstrip("#").strip()
    if not digits.isdigit() or int(digits) == 0 or int(digits) > 2_000_000_000:
        problem("member_number", _("“%(value)s” is not a member number (a whole number).") % {"value": value})
        return
    person.number = int(digits)


def _read_payment(person: Person, amount: str, has_date: bool, currency: str, today: datetime.date, problem) -> None:
    if amount:
        try:
            person.amount_cents = parse_amount(_decimal_point(amount), currency)
        except AmountError as error:
            problem("last_payment_amount", f"“{amount}”: {error}")
    if person.paid_on and person.paid_on > today:
        problem("last_payment_date", _("The payment date is in the future."))
    if amount and not has_date:
        problem("last_payment_date", _("A last payment needs its date as well as its amount."))
    if has_date and not amount:
        problem("last_payment_amount", _("A last payment needs its amount as well as its date."))


def _decimal_point(amount: str) -> str:
    """'60,00' and '1.234,50' (where the comma is the decimal mark) as '60.00' and '1234.50'."""
    text = amount.strip()
    if re.search(r",\d{1,2}$", text) and (text.count(",") == 1):
        return text.replace(".", "").replace(" ", "").replace(",", ".")
    return text


def _read_plan(person: Person, columns: Columns, problem) -> None:
    """A plan value must be matched (to a plan, or to "no term"); an expiry date with
    no plan value needs the mapping of the empty value."""
    if person.term_start and person.paid_through and person.term_start > person.paid_through:
        problem("term_start", _("The term starts after it ends."))
    if not person.paid_through and not person.plan_value:
        return
    if columns.plans.get(person.plan_value) is None:
        label = person.plan_value or _("(empty)")
        problem("plan", _("The plan “%(value)s” is not matched to one of our plans.") % {"value": label})


def parse_date(value: str, *, day_first: bool) -> datetime.date | None:
    """A date as spreadsheets and other systems write it: 2025-03-31, 31/03/2025 (or
    03/31/2025 when months come first), 31.03.2025, 31 Mar 2025, March 31, 2025;
    a time after it is ignored."""
    text = value.strip().replace(",", " ")
    text = re.sub(r"[T ]\d{1,2}:\d{2}(:\d{2})?(\.\d+)?( ?[AaPp][Mm])?(Z|[+-]\d{2}:?\d{2})?$", "", text).strip()
    text = " ".join(text.split())
    iso = re.match(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$", text)
    numeric = re.match(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$", text)
    try:
        if iso:
            return datetime.date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        if numeric:
            first, second, year = (int(part) for part in numeric.groups())
            year = year + 2000 if year < 100 and year < 70 else year + 1900 if year < 100 else year
            day, month = (first, second) if day_first else (second, first)
            return datetime.date(year, month, day)
    except ValueError:
        return None
    for pattern in _MONTHS:
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None
