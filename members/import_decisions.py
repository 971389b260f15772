"""What importing each row would do: create a person, update one, or change nothing;
and the dry run, which works that out for a whole file and writes nothing but its report.

The same decisions drive the apply (members/import_apply.py), taken again batch by
batch against the database as it is then, so a dry run and its apply cannot disagree
about a rule, and a second run of the same file finds nothing left to do.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from members.dues import add_years
from members.import_mapping import FIELDS, Columns
from members.import_reading import records
from members.import_records import ImportedMember, MemberImport
from members.import_rows import Person, Problem, read_person
from members.models import Member, MemberNote, MembershipTerm, Payment, Plan

BATCH = 500
KEPT_PROBLEMS = 1000  # a report lists this many problems, and counts the rest


@dataclass
class Known:
    """What the database holds about the people of one batch, read in a few queries."""

    by_email: dict[str, Member]
    by_number: dict[int, Member]
    last_end: dict[int, datetime.date]
    lifetime: set[int]
    payments: set[tuple[int, datetime.date, int]]
    notes: set[tuple[int, str]]
    imported: set[int]


@dataclass(eq=False)
class Decision:
    person: Person
    member: Member | None = None
    changes: dict = field(default_factory=dict)
    new_email: str = ""
    number: int | None = None  # to give; -1: the next free one
    term: tuple[Plan, datetime.date, datetime.date | None] | None = None
    payment: bool = False
    note: bool = False
    problems: list[Problem] = field(default_factory=list)

    @property
    def action(self) -> str:
        if self.problems:
            return "skipped"
        if self.member is None:
            return "created"
        if self.changes or self.new_email or self.number or self.term or self.payment or self.note:
            return "updated"
        return "unchanged"


def columns_of(job: MemberImport) -> Columns:
    return Columns(
        fields={name: int(index) for name, index in job.columns.items()},
        plans={value: (None if plan is None else int(plan)) for value, plan in job.plans.items()},
        day_first=job.day_first,
    )


def people(job: MemberImport, *, start: int = 0, row: int = 1, today: datetime.date | None = None):
    """(record, person or None, problems) for each non-blank row after `start`."""
    columns, today = columns_of(job), today or timezone.localdate()
    for record in records(job.text, job.delimiter, start=start, row=row):
        if not any(cell.strip() for cell in record.cells):
            continue
        person, problems = read_person(
            record.cells, row=record.row, columns=columns, headers=job.headers, currency=settings.CURRENCY, today=today
        )
        yield record, person, problems


def known(found: list[Person], *, lock: bool = False) -> Known:
    """Everything the decisions need about the people of a batch."""
    emails = [p.email for p in found]
    numbers = [p.number for p in found if p.number]
    members = Member.objects.select_related("user")
    if lock:
        members = members.select_for_update(of=("self",))
    matched = list(members.filter(user__email__in=emails)) + list(members.filter(member_number__in=numbers))
    ids = {m.pk for m in matched}
    terms = MembershipTerm.objects.filter(member_id__in=ids, cancelled_on__isnull=True)
    ends = terms.filter(end__isnull=False).values("member_id").annotate(last=Max("end"))
    last_end = dict(ends.values_list("member_id", "last"))
    payments = Payment.objects.filter(member_id__in=ids, method=Payment.Method.IMPORTED)
    return Known(
        by_email={m.user.email: m for m in matched},
        by_number={m.member_number: m for m in matched if m.member_number},
        last_end=last_end,
        lifetime=set(terms.filter(end__isnull=True).values_list("member_id", flat=True)),
        payments=set(payments.values_list("member_id", "received_on", "amount_cents")),
        notes=set(MemberNote.objects.filter(member_id__in=ids).values_list("member_id", "text")),
        imported=set(ImportedMember.objects.filter(member_id__in=ids).values_list("member_id", flat=True)),
    )


def is_claimed(member: Member) -> bool:
    """Whether someone has used the account: signed in, or set a password."""
    return member.user.last_login is not None or member.user.has_usable_password()


def decide(person: Person, found: Known, *, plans: dict[int, Plan], columns: Columns, headers: list[str]) -> Decision:
    """What importing this person does, given what the database holds."""
    decision = Decision(person=person)

    def problem(name: str, message: str) -> None:
        index = columns.fields.get(name)
        column = headers[index] if index is not None and index < len(headers) else str(FIELDS[name])
        decision.problems.append(Problem(person.row, column, message))

    by_email = found.by_email.get(person.email)
    by_number = found.by_number.get(person.number) if person.number else None
    member = by_email or by_number
    if by_email and by_number and by_email.pk != by_number.pk:
        problem("member_number", _("Member number %(n)s already belongs to another member.") % {"n": person.number})
    elif by_email and person.number and by_email.member_number and by_email.member_number != person.number:
        problem(
            "member_number",
            _("This person already has member number %(ours)s; the file says %(theirs)s.")
            % {"ours": by_email.member_number, "theirs": person.number},
        )
    elif member is not None and member.is_erased:
        # Erasure keeps the member number (the accounts need it) but not the address, so
        # an erased person is recognised by their old number only.
        field = "email" if by_email else "member_number"
        message = _(
            "Member %(n)s closed their account and their details were erased; an import never brings them back."
        )
        problem(field, message % {"n": member.member_number})
    elif by_number and not by_email:
        if by_number.pk not in found.imported:
            problem("member_number", _("Member number %(n)s already belongs to another member.") % {"n": person.number})
        elif is_claimed(by_number):
            message = _("Member %(n)s signs in with another address; change it on their page.")
            problem("email", message % {"n": person.number})
        else:
            decision.new_email = person.email
    if decision.problems:
        return decision
    decision.member = member
    _changes(decision, member)
    _term(decision, member, found, plans=plans, columns=columns)
    if person.amount_cents is not None and person.paid_on:
        paid = (member.pk, person.paid_on, person.amount_cents) if member else None
        decision.payment = paid not in found.payments
        if decision.payment and decision.term is None and _plan(person, plans, columns) is None:
            problem("plan", _("A payment needs a plan; match this row's plan to one of ours."))
    if person.notes:
        decision.note = member is None or (member.pk, person.notes) not in found.notes
    if not (member and member.member_number):
        # The file's number is kept; someone who paid and has none gets the next free one.
        decision.number = person.number or (-1 if decision.term or decision.payment else None)
    return decision


def _changes(decision: Decision, member: Member | None) -> None:
    person = decision.person
    wanted = {"first_name": person.first_name, "last_name": person.last_name, **person.profile}
    if person.consent is not None:
        wanted["directory_consent"] = person.consent
    if member is None:
        decision.changes = {name: value for name, value in wanted.items() if value not in ("", None)}
        return
    decision.changes = {
        name: value for name, value in wanted.items() if value not in ("", None) and getattr(member, name) != value
    }


def _plan(person: Person, plans: dict[int, Plan], columns: Columns) -> Plan | None:
    return plans.get(columns.plans.get(person.plan_value) or 0)


def _term(decision: Decision, member: Member | None, found: Known, *, plans, columns) -> None:
    """The term up to the paid-through date, unless the member's terms reach it already."""
    person, plan = decision.person, _plan(decision.person, plans, columns)
    if plan is None or (member and member.pk in found.lifetime):
        return
    if plan.is_lifetime:
        decision.term = (plan, person.term_start or person.member_since or timezone.localdate(), None)
        return
    if person.paid_through is None:
        return
    last_end = found.last_end.get(member.pk) if member else None
    if last_end is not None and last_end >= person.paid_through:
        return
    start = person.term_start or add_years(person.paid_through, -1) + datetime.timedelta(days=1)
    if person.member_since and start < person.member_since <= person.paid_through:
        start = person.member_since
    if last_end is not None and start <= last_end:
        start = last_end + datetime.timedelta(days=1)
    decision.term = (plan, start, person.paid_through)


def plans_for(job: MemberImport) -> dict[int, Plan]:
    ids = {int(plan) for plan in job.plans.values() if plan}
    return {plan.pk: plan for plan in Plan.objects.filter(pk__in=ids)}


def dry_run(job: MemberImport) -> dict:
    """The report of what applying the file would do, row by row; writes nothing."""
    columns, plans = columns_of(job), plans_for(job)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0}
    problems: list[Problem] = []
    skip = set(_duplicates(job, problems))
    highest = 0
    batch: list[Person] = []

    def flush():
        found = known(batch)
        for person in batch:
            decision = decide(person, found, plans=plans, columns=columns, headers=job.headers)
            counts[decision.action] += 1
            problems.extend(decision.problems)
            if decision.problems:
                skip.add(person.row)
        batch.clear()

    for _record, person, row_problems in people(job):
        if row_problems or person.row in skip:
            counts["skipped"] += 1
            problems.extend(row_problems)
            skip.add(_record.row)
            continue
        highest = max(highest, person.number or 0)
        batch.append(person)
        if len(batch) >= BATCH:
            flush()
    flush()
    problems.sort(key=lambda p: p.row)
    return {
        **counts,
        "rows": sum(counts.values()),
        "problem_count": len(problems),
        "problems": [[p.row, p.column, p.message] for p in problems[:KEPT_PROBLEMS]],
        "skip_rows": sorted(skip),
        "highest_number": highest,
    }


def _duplicates(job: MemberImport, problems: list[Problem]) -> list[int]:
    """Rows that name the same person (by email or member number) as another row: neither
    is imported, since the file does not say which is right."""
    emails: dict[str, list[int]] = {}
    numbers: dict[int, list[int]] = {}
    headers = {name: job.headers[index] for name, index in job.columns.items() if int(index) < len(job.headers)}
    for _record, person, _problems in people(job):
        if person is None:
            continue
        emails.setdefault(person.email, []).append(person.row)
        if person.number:
            numbers.setdefault(person.number, []).append(person.row)
    rows = []
    for name, groups in (("email", emails), ("member_number", numbers)):
        for rows_of_one in groups.values():
            if len(rows_of_one) < 2:
                continue
            for row in rows_of_one:
                others = ", ".join(str(r) for r in rows_of_one if r != row)
                message = _("Rows %(rows)s are the same person (the same %(what)s); keep one of them.") % {
                    "rows": f"{row} and {others}",
                    "what": FIELDS[name].lower(),
                }
                problems.append(Problem(row, headers.get(name, str(FIELDS[name])), message))
                rows.append(row)
    return rows
