"""The nightly retention pass: what is kept only for a while is forgotten when its time is up.

- downloads of a member's data, once their link has expired;
- the payments of erased members, PAYMENT_RETENTION_YEARS after they were received
  (until then the accounts need them: amounts, dates and receipt numbers, no person);
- each app's own part (events: visitors' answers RSVP_RETENTION_MONTHS after the event);
- the text of emails in the outbox, OUTBOX_BODY_RETENTION_DAYS after they were queued;
- the text of uploaded member lists never applied, IMPORT_FILE_RETENTION_DAYS after upload.

Each step is one or a few bulk statements, safe to run twice and at any hour.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from members import privacy
from members.models import DataExport, MemberImport, Payment
from notifications import personal_data


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same moment `months` calendar months earlier, on the month's last day if it is shorter."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = moment.day
    while True:
        try:
            return moment.replace(year=year, month=month + 1, day=day)
        except ValueError:
            day -= 1


def apply_retention(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """One pass; returns how many of each were forgotten."""
    now = now or timezone.now()
    done = {
        "expired downloads": DataExport.objects.filter(expires_at__lte=now).delete()[0],
        "erased members' payments": delete_old_payments_of_erased(today=timezone.localdate(now)),
    }
    for part in privacy.parts():
        if part.expire is not None:
            done[part.name] = part.expire(now=now)
    before = now - datetime.timedelta(days=settings.OUTBOX_BODY_RETENTION_DAYS)
    done["email texts"] = personal_data.remove_old_bodies(before=before)
    done["unapplied member lists"] = clear_unapplied_imports(now=now)
    return done


def clear_unapplied_imports(*, now: datetime.datetime) -> int:
    """Clear the file text of member lists uploaded IMPORT_FILE_RETENTION_DAYS ago and never
    applied; the mapping and the dry run's counts stay, the list can no longer be applied."""
    before = now - datetime.timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS)
    stale = MemberImport.objects.filter(uploaded_at__lt=before, apply_started_at__isnull=True).exclude(text="")
    return stale.update(text="")


def delete_old_payments_of_erased(*, today: datetime.date) -> int:
    """Payments of erased members received more than PAYMENT_RETENTION_YEARS ago."""
    cutoff = years_before(today, settings.PAYMENT_RETENTION_YEARS)
    old = Payment.objects.filter(member__erased_at__isnull=False, received_on__lt=cutoff)
    with transaction.atomic():
        # Terms, checkouts and disputes point at payments with SET_NULL: they keep their dates.
        return old.delete()[1].get(Payment._meta.label, 0)
