"""Importing an existing member list: the treasurer's actions, each in its transaction.

upload → check (map the columns and plans; the dry run) → apply (a worker, in batches)
→ invite to claim (only when asked). Reading the file is members/import_reading.py,
the columns members/import_mapping.py, each row's rules members/import_rows.py and
members/import_decisions.py, the writing members/import_apply.py and the emails
members/import_invites.py.
"""

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from members import import_apply, import_invites
from members.import_decisions import dry_run
from members.import_mapping import MAX_PLAN_VALUES, day_first_from, guess_columns, guess_plans, plan_values
from members.import_reading import ImportRefused, read_upload
from members.import_records import ImportedMember, MemberImport
from members.models import Plan
from notifications import fanout

__all__ = ["ImportRefused", "check", "invite", "start_apply", "upload"]

audit.log.describe("members.imported", gettext_lazy("Imported a member list"))
audit.log.describe("members.invited_to_claim", gettext_lazy("Invited imported people to claim their accounts"))

DATE_FIELDS = ("member_since", "term_start", "paid_through", "last_payment_date")


def upload(*, content: bytes, file_name: str, by) -> MemberImport:
    """Keep a readable file with the columns and plans guessed; ImportRefused if it is
    not one (nothing is kept then). Nothing about any person changes yet."""
    read = read_upload(content)
    columns = guess_columns(read.headers)
    if "email" not in columns:
        raise ImportRefused(
            _("No column of this file is headed as an email address (such as “Email”); every person needs one.")
        )
    job = MemberImport(
        file_name=file_name[:200], text=read.text, encoding=read.encoding, delimiter=read.delimiter,
        headers=read.headers, row_count=read.row_count, columns=columns, uploaded_by=by,
    )  # fmt: skip
    job.day_first = day_first_from(read.text, read.delimiter, [columns[f] for f in DATE_FIELDS if f in columns])
    job.plans = _plans_for_column(job, {})
    job.save()
    return job


def _plans_for_column(job: MemberImport, chosen: dict) -> dict:
    """{value: plan id, 0 for "no term", or None} for each value of the plan column
    (one empty value when no column holds plans): what was chosen, else a guess."""
    column = job.columns.get("plan")
    values = [value for value, _count in plan_values(job.text, job.delimiter, column)] if column is not None else [""]
    if len(values) > MAX_PLAN_VALUES:
        raise ImportRefused(
            _("The column “%(column)s” has more than %(limit)s different values; is it really the plan?")
            % {"column": job.headers[column], "limit": MAX_PLAN_VALUES}
        )
    guessed = guess_plans(values, list(Plan.objects.all()))
    return {value: chosen[value] if value in chosen else guessed[value] for value in values}


def check(*, job: MemberImport, columns: dict[str, int], plans: dict, day_first: bool, by) -> MemberImport:
    """Save the treasurer's mapping and make the dry run: the report of what applying
    would create, update and skip, with every problem by row and column. Writes no person."""
    if "email" not in columns:
        raise ImportRefused(_("Choose the column that holds the email address."))
    if "full_name" in columns and ("first_name" in columns or "last_name" in columns):
        raise ImportRefused(_("Choose either a full name column or given and family name columns, not both."))
    with transaction.atomic():
        job = MemberImport.objects.select_for_update().get(pk=job.pk)
        if job.is_locked:
            raise ImportRefused(_("This file has been imported; upload it again to import it once more."))
        _check_kept(job)
        job.columns, job.day_first = columns, day_first
        job.plans = _plans_for_column(job, plans)
        report = dry_run(job)
        job.skip_rows = report.pop("skip_rows")
        job.report, job.status = report, MemberImport.Status.CHECKED
        job.save(update_fields=["columns", "day_first", "plans", "skip_rows", "report", "status"])
    return job


def _check_kept(job: MemberImport) -> None:
    """A list never applied is deleted after a while (the retention pass): it must be uploaded again."""
    if not job.text:
        raise ImportRefused(
            _("This file was deleted %(days)s days after it was uploaded, as it was never imported: upload it again.")
            % {"days": settings.IMPORT_FILE_RETENTION_DAYS}
        )


def start_apply(*, job: MemberImport, skip_problems: bool, by) -> MemberImport:
    """Import the checked file: one audited staff action, carried out by a worker in batches."""
    with transaction.atomic():
        job = MemberImport.objects.select_for_update().get(pk=job.pk)
        if job.status != MemberImport.Status.CHECKED:
            raise ImportRefused(
                _("This file is already imported.") if job.is_locked else _("Make the dry run before importing.")
            )
        _check_kept(job)
        report = job.report
        if report.get("problem_count") and not skip_problems:
            raise ImportRefused(
                _("The dry run found problems. Correct the file and upload it again, or choose to skip those rows.")
            )
        job.status, job.applied_by, job.apply_started_at = MemberImport.Status.APPLYING, by, timezone.now()
        job.save(update_fields=["status", "applied_by", "apply_started_at"])
        counts = {name: [None, report.get(name, 0)] for name in ("rows", "created", "updated", "unchanged", "skipped")}
        audit.log.record(by, "members.imported", job, changes={"file": [None, job.file_name], **counts})
        fanout.start(key=import_apply.job_key(job), source=import_apply.FAN_OUT_SOURCE, params={"job": job.pk})
    return job


def invite(*, job: MemberImport, by) -> int:
    """Email each person the import touched who has not signed in yet a link to claim
    their account; how many that is. Each person is invited once, ever."""
    with transaction.atomic():
        job = MemberImport.objects.select_for_update().get(pk=job.pk)
        if job.status != MemberImport.Status.DONE:
            raise ImportRefused(_("Invite people once the import is done."))
        if job.invited_at is not None:
            raise ImportRefused(_("The invitations for this import have been sent already."))
        people = unclaimed_count(job)
        job.invited_at, job.invited_by = timezone.now(), by
        job.save(update_fields=["invited_at", "invited_by"])
        audit.log.record(by, "members.invited_to_claim", job, changes={"people": [None, people]})
        fanout.start(key=import_invites.job_key(job), source=import_invites.FAN_OUT_SOURCE, params={"job": job.pk})
    return people


def unclaimed_count(job: MemberImport) -> int:
    """The people of an import who have never signed in: whom an invitation would reach."""
    return (
        ImportedMember.objects.filter(job=job, member__user__last_login__isnull=True, member__user__is_active=True)
        .filter(member__user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
        .count()
    )


def apply_progress(job: MemberImport) -> fanout.Progress | None:
    return fanout.progress(import_apply.job_key(job))


def invite_progress(job: MemberImport) -> fanout.Progress | None:
    return fanout.progress(import_invites.job_key(job))
