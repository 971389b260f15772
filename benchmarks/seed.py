"""Bulk data for benchmarks and fault tests: members in every standing, events, invitations.

Rows are made with bulk_create (no emails, no signals), as an import would leave them.

    python -m benchmarks.seed roster 200    # in a Django process of its own (DATABASE_URL…):
                                            # a treasurer and 200 members; prints the JSON of roster()
"""

import datetime
import json
import os
import random
import sys
from pathlib import Path

from django.db import connection
from django.utils import timezone

FIRST = ["Ann", "Ben", "Chloé", "Dev", "Eun-ji", "Femi", "Greta", "Hugo", "Ines", "Jonas", "Kofi", "Lena"]
LAST = ["Abara", "Berg", "Castro", "Dubois", "Eze", "Fischer", "García", "Haddad", "Ito", "Jensen", "Kowalski"]
BATCH = 2000


def plan():
    from members.models import Plan

    return Plan.objects.get_or_create(slug="regular", defaults={"name": "Regular member", "amount_cents": 6000})[0]


def staff(email: str, role: str):
    """A staff member with an authenticator app enrolled, as production requires of staff."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.models import Group

    from members.models import User

    user = User.objects.create_user(email, password=None)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    TOTP.activate(user, generate_totp_secret())
    return user


def members(
    count: int, *, first: int = 0, seed: int = 1, all_active: bool = False, ends_in_days: int | None = None
) -> list[int]:
    """`count` members numbered from `first`: 70% active, 10% in grace, 15% lapsed, 5% pending
    (or all active, paid for half a year more: no reminder is due for them; or, with
    `ends_in_days`, every term ending that many days from today). Returns their ids."""
    from allauth.account.models import EmailAddress

    from members.models import Member, MembershipTerm, Payment, User

    rng = random.Random(seed + first)
    regular = plan()
    today = timezone.localdate()
    ids = []
    for offset in range(first, first + count, BATCH):
        numbers = range(offset, min(offset + BATCH, first + count))
        users = User.objects.bulk_create(User(email=f"member{n}@example.org", password="!") for n in numbers)
        # Confirmed addresses: announcements go to confirmed accounts only.
        EmailAddress.objects.bulk_create(
            EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
        )
        people = Member.objects.bulk_create(
            Member(
                user=user,
                first_name=rng.choice(FIRST),
                last_name=f"{rng.choice(LAST)}-{n}",
                city="Springfield",
                member_number=n + 1,
            )
            for n, user in zip(numbers, users, strict=True)
        )
        half_year = today + datetime.timedelta(days=180)
        fixed = today + datetime.timedelta(days=ends_in_days) if ends_in_days is not None else None
        ends = {m.pk: fixed or (half_year if all_active else _term_end(rng, today)) for m in people}
        paying = [m for m in people if ends[m.pk] is not None]
        payments = Payment.objects.bulk_create(
            Payment(
                member=m,
                plan=regular,
                amount_cents=6000,
                method=Payment.Method.CHEQUE,
                received_on=ends[m.pk] - datetime.timedelta(days=364),
                receipt_number=f"B-{m.member_number:07d}",
            )
            for m in paying
        )
        MembershipTerm.objects.bulk_create(
            MembershipTerm(member=m, plan=regular, start=p.received_on, end=ends[m.pk], payment=p)
            for m, p in zip(paying, payments, strict=True)
        )
        ids += [m.pk for m in people]
    analyze()
    return ids


def _term_end(rng: random.Random, today: datetime.date) -> datetime.date | None:
    roll = rng.random()
    if roll < 0.70:
        return today + datetime.timedelta(days=rng.randint(1, 360))
    if roll < 0.80:
        return today - datetime.timedelta(days=rng.randint(1, 25))
    if roll < 0.95:
        return today - datetime.timedelta(days=rng.randint(40, 700))
    return None


def event(slug: str, *, capacity: int | None, members_only: bool = False, starts_in_days: int = 30):
    from events.models import Event

    now = timezone.now().replace(microsecond=0)
    starts = now + datetime.timedelta(days=starts_in_days)
    return Event.objects.create(
        title=f"Forum {slug}",
        slug=slug,
        summary="Three talks and a discussion on the society's future.",
        description="## Programme\n\n- **18:00** welcome\n- **18:15** talks\n- **19:30** [discussion](https://example.org)\n",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        venue_name="Town Hall",
        venue_address="1 Market Square\nSpringfield",
        capacity=capacity,
        visibility="members" if members_only else "public",
        status="published",
        published_at=now - datetime.timedelta(days=1),
        reminders_planned_at=now - datetime.timedelta(days=1),
    )


def invite(event, count: int, *, prefix: str, status: str = "invited") -> list[str]:
    """`count` RSVPs to `event` with no answer yet (or `status`); returns their tokens."""
    from events.models import RSVP, new_token

    now = timezone.now()
    rows = RSVP.objects.bulk_create(
        RSVP(
            event=event,
            email=f"{prefix}{n}@example.org",
            name=f"Guest {prefix}{n}",
            token=new_token(),
            status=status,
            invited_at=now,
            answered_at=now if status != "invited" else None,
        )
        for n in range(count)
    )
    if status == "yes":
        from events.rsvp import recount_seats

        recount_seats(event_id=event.pk)
    return [row.token for row in rows]


def analyze() -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would soon give."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def roster(count: int) -> dict:
    """A treasurer and `count` members: the treasurer's session cookie, and how many
    queries the first page of the member list takes."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from benchmarks import harness
    from members.roles import TREASURER

    treasurer = staff("treasurer@example.org", TREASURER)
    members(count)
    client = Client()
    client.force_login(treasurer)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/manage/members/").status_code == 200
    return {"cookie": harness.session_cookie(treasurer), "queries": len(queries)}


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks import harness

    harness.setup_django(dict(os.environ))
    if sys.argv[1:2] == ["roster"]:
        print(json.dumps(roster(int(sys.argv[2]))))
