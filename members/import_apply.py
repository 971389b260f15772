"""Applying a checked member list, a batch of rows at a time, by a worker.

The job runs on the fan-out engine (notifications.fanout): each batch is one
transaction that locks the job, reads the next rows after the cursor (an offset in
the file's text), decides each row against the database as it is now
(members/import_decisions.py), writes people, terms and imported payments with a few
bulk statements, and moves the cursor and the heartbeat. A worker that dies mid-batch
loses nothing (the batch rolls back and the sweep starts it again); a second run of
the same file finds every row unchanged.

No email is sent and no receipt is made: an imported person is told only if the
treasurer later invites them to claim their account (members/import_invites.py).
"""

import datetime
import secrets

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import connection
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy

from config.languages import in_society_language
from members.import_decisions import BATCH, KEPT_PROBLEMS, Decision, columns_of, decide, known, people, plans_for
from members.import_records import ImportedMember, MemberImport
from members.models import Counter, Member, MemberNote, MembershipTerm, Payment, User
from notifications import fanout

FAN_OUT_SOURCE = "members.import"


def job_key(job: MemberImport) -> str:
    return f"member-import:{job.pk}"


def next_batch(params: dict, *, cursor: str, limit: int) -> fanout.Batch:
    """The fan-out source: apply the rows after `cursor` ("row:offset"); no emails."""
    job = MemberImport.objects.select_for_update().get(pk=params["job"])
    if job.status != MemberImport.Status.APPLYING:
        return fanout.Batch(
            [], cursor, done=True, stopped=in_society_language(gettext_lazy("The import is not being applied."))
        )
    row, offset = (int(part) for part in (cursor or "1:0").split(":"))
    skip, found, counts, done = set(job.skip_rows), [], {"skipped": 0}, True
    for record, person, problems in people(job, start=offset, row=row):
        row, offset = record.row, record.end
        if person is None or problems or record.row in skip:
            counts["skipped"] += 1
        else:
            found.append(person)
        if len(found) + counts["skipped"] >= limit:
            done = False
            break
    decisions = _decide(job, found)
    for decision in decisions:
        counts[decision.action] = counts.get(decision.action, 0) + 1
    _write(job, [d for d in decisions if not d.problems])
    _count(job, counts, [p for d in decisions for p in d.problems], done=done)
    return fanout.Batch([], f"{row}:{offset}", done=done, people=sum(counts.values()))


def _decide(job: MemberImport, found) -> list[Decision]:
    columns, plans = columns_of(job), plans_for(job)
    batch = known(found, lock=True)
    return [decide(person, batch, plans=plans, columns=columns, headers=job.headers) for person in found]


def _count(job: MemberImport, counts: dict, problems, *, done: bool) -> None:
    update = {name: F(name) + counts.get(name, 0) for name in ("created", "updated", "unchanged", "skipped")}
    if problems:
        kept = job.apply_problems + [[p.row, p.column, p.message] for p in problems]
        update["apply_problems"] = kept[:KEPT_PROBLEMS]
    if done:
        # The file held people's details; once applied it is not kept.
        update.update(status=MemberImport.Status.DONE, finished_at=timezone.now(), text="")
    MemberImport.objects.filter(pk=job.pk).update(**update)


def _write(job: MemberImport, decisions: list[Decision]) -> None:
    numbers = _reserve_numbers(sum(1 for d in decisions if d.number == -1), floor=job.report.get("highest_number", 0))
    for decision in decisions:
        if decision.number == -1:
            decision.number = next(numbers)
    new = [d for d in decisions if d.member is None]
    created = {id(d) for d in new}
    _create(new)
    for decision in decisions:
        if id(decision) not in created and decision.action == "updated":
            _update(decision)
    plans = plans_for(job)
    payments = {id(d): _payment(job, d, plans) for d in decisions if d.payment}
    Payment.objects.bulk_create(payments.values())
    MembershipTerm.objects.bulk_create(
        MembershipTerm(member=d.member, plan=d.term[0], start=d.term[1], end=d.term[2], payment=payments.get(id(d)))
        for d in decisions
        if d.term
    )
    MemberNote.objects.bulk_create(
        MemberNote(member=d.member, author=job.applied_by, text=d.person.notes) for d in decisions if d.note
    )
    touched = [ImportedMember(job=job, member=d.member, created=id(d) in created) for d in decisions]
    ImportedMember.objects.bulk_create([t for t, d in zip(touched, decisions, strict=True) if d.action != "unchanged"],
                                       ignore_conflicts=True)  # fmt: skip


def _create(decisions: list[Decision]) -> None:
    """New people: an account with no usable password (claimed later by a code sent to
    the address), its address unverified until then, and the member profile."""
    now = timezone.now()
    # What make_password(None) makes (an unusable password, unlike any other), at a
    # tenth of its cost: it drew each of 40 characters apart.
    users = User.objects.bulk_create(
        User(email=d.person.email, password=UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30), date_joined=now)
        for d in decisions
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, primary=True, verified=False) for user in users
    )
    members = [Member(user=user, member_number=d.number, **d.changes) for user, d in zip(users, decisions, strict=True)]
    Member.objects.bulk_create(members)
    joined = []
    for member, decision in zip(members, decisions, strict=True):
        decision.member = member
        if decision.person.member_since:
            midnight = datetime.datetime.combine(decision.person.member_since, datetime.time())
            joined.append((member.pk, timezone.make_aware(midnight)))
    _set_joined(joined)


def _set_joined(joined: list[tuple[int, datetime.datetime]]) -> None:
    """Each new member's `created_at` as the file's "member since", in one statement (the
    field fills itself in on insert; bulk_update's CASE per row took a tenth of the apply)."""
    if not joined:
        return
    quote, table = connection.ops.quote_name, connection.ops.quote_name(Member._meta.db_table)
    field = Member._meta.get_field("created_at")
    values = ", ".join(["(%s, %s)"] * len(joined))
    sql = (
        f"WITH joined(id, at) AS (VALUES {values}) "  # noqa: S608
        f"UPDATE {table} SET {quote('created_at')} = joined.at FROM joined WHERE {table}.{quote('id')} = joined.id"
    )
    # Only the table's and columns' names are put into the text; every value is a bound parameter.
    params = [value for pk, at in joined for value in (pk, field.get_db_prep_value(at, connection))]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _update(decision: Decision) -> None:
    member = decision.member
    fields = list(decision.changes)
    for name, value in decision.changes.items():
        setattr(member, name, value)
    if decision.number:
        member.member_number = decision.number
        fields.append("member_number")
    if fields:
        member.save(update_fields=fields)
    if decision.new_email:
        user = member.user
        EmailAddress.objects.filter(user=user).delete()
        user.email = decision.new_email
        user.save(update_fields=["email"])
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)


def _payment(job: MemberImport, decision: Decision, plans: dict) -> Payment:
    plan = decision.term[0] if decision.term else plans.get(job.plans.get(decision.person.plan_value) or 0)
    return Payment(
        member=decision.member,
        plan=plan,
        amount_cents=decision.person.amount_cents,
        currency=plan.currency,
        method=Payment.Method.IMPORTED,
        received_on=decision.person.paid_on,
        reference=in_society_language(gettext_lazy("Imported from %(file)s"), file=job.file_name)[:200],
        receipt_number=f"IMP-{job.pk}-{decision.person.row}",
        recorded_by=job.applied_by,
    )


def _reserve_numbers(count: int, *, floor: int):
    """`count` member numbers after the highest given, in the file or before it, in one
    locked step of the counter that never goes back (members/dues.py next_number)."""
    if count == 0:
        return iter(())
    highest = max(floor, Member.objects.aggregate(top=Max("member_number"))["top"] or 0)
    counter, _ = Counter.objects.select_for_update().get_or_create(name="member-number", defaults={"value": highest})
    first = max(counter.value, highest) + 1
    counter.value = first + count - 1
    counter.save(update_fields=["value"])
    return iter(range(first, first + count))


def register() -> None:
    fanout.register_source(FAN_OUT_SOURCE, next_batch, batch_size=BATCH)
