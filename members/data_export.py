"""A member downloads everything Societas holds about them.

The member asks on /membership/ (a POST); a worker builds a ZIP of JSON and CSV files
(`build`), keeps it in the database and emails the member a link to
/membership/data/<id>/, which opens only for them, signed in, until
DATA_EXPORT_LINK_DAYS have passed. The nightly retention pass deletes it then.
"""

import csv
import datetime
import io
import json
import logging
import zipfile

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from members import privacy
from members.links import absolute
from members.models import DataExport, Member
from members.money import plain_amount
from members.privacy import PrivacyRefused
from members.roster import safe_cell
from notifications import personal_data
from notifications.outbox import Notice, Skip, composed_from, queue_notice, register_composer

log = logging.getLogger(__name__)

audit.log.describe("member.data_exported", gettext_lazy("Asked for a download of their own data"))

TEMPLATES = "members/privacy/"


class DownloadGone(PrivacyRefused):
    """The download expired (and is deleted, or soon will be), or could not be made."""


def request_export(*, member: Member, by, now: datetime.datetime | None = None) -> DataExport:
    """Start a download of the member's data; a worker builds it once this commits.
    Refused while an earlier one is still being prepared."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Member.objects.select_for_update().get(pk=member.pk)
        if locked.is_erased:
            raise PrivacyRefused(_("This account is closed."))
        if locked.data_exports.filter(status=DataExport.Status.BUILDING).exists():
            raise PrivacyRefused(_("Your download is being prepared already; we will email you when it is ready."))
        export = DataExport.objects.create(
            member=locked, expires_at=now + datetime.timedelta(days=settings.DATA_EXPORT_LINK_DAYS)
        )
        audit.log.record(by, "member.data_exported", locked)
        transaction.on_commit(lambda: _start_building(export.pk), robust=True)
    return export


def _start_building(export_id: int) -> None:
    from members.tasks import build_data_export

    build_data_export.delay(export_id)


def build(*, export_id: int, now: datetime.datetime | None = None) -> str:
    """Build one download and email its link (a worker's work). Safe to run twice."""
    now = now or timezone.now()
    export = DataExport.objects.select_related("member__user").filter(pk=export_id).first()
    if export is None or export.status != DataExport.Status.BUILDING:
        return "nothing to do"
    try:
        content = archive(export.member, now=now)
    except Exception as error:
        log.exception("Building data export %s failed", export_id)
        DataExport.objects.filter(pk=export_id).update(status=DataExport.Status.FAILED, error=str(error)[:2000])
        return "failed"
    with transaction.atomic():
        updated = DataExport.objects.filter(pk=export_id, status=DataExport.Status.BUILDING).update(
            status=DataExport.Status.READY, archive=content, size=len(content), ready_at=now
        )
        if updated:
            queue_notice(_ready_notice(export))
    return "ready" if updated else "nothing to do"


def _ready_notice(export: DataExport) -> Notice:
    member = export.member
    return Notice(
        key=f"data-export-ready:{export.pk}",
        kind="data-export-ready",
        to=member.user.email,
        facts={"export": export.pk},
        user_id=member.user_id,
    )


def export_for(*, user, public_id, now: datetime.datetime | None = None) -> DataExport:
    """The download `public_id`, for the signed-in member it belongs to. LookupError for
    anyone else (the page is a 404, as if it did not exist); DownloadGone once expired;
    PrivacyRefused while it is still being prepared."""
    now = now or timezone.now()
    export = DataExport.objects.filter(public_id=public_id, member__user=user).first()
    if export is None:
        raise LookupError("No such download for this account.")
    if export.status == DataExport.Status.FAILED:
        raise DownloadGone(_("We could not prepare this download. Please ask for a new one on your membership page."))
    if export.is_expired(now):
        raise DownloadGone(_("This download has expired. You can ask for a new one on your membership page."))
    if export.status != DataExport.Status.READY:
        raise PrivacyRefused(_("Your download is still being prepared; we will email you when it is ready."))
    return export


def filename(export: DataExport) -> str:
    return f"my-data-{settings.ORG_NAME.lower().replace(' ', '-')}-{export.ready_at:%Y-%m-%d}.zip"


# What the ZIP holds.


def archive(member: Member, *, now: datetime.datetime) -> bytes:
    """The ZIP: one file per kind of record, JSON for one thing, CSV for lists. Its README
    and receipts are written in the member's language."""
    buffer = io.BytesIO()
    with translation.override(member.language or settings.LANGUAGE_CODE):
        contents = files(member, now=now)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive_file:
        for name, content in contents.items():
            archive_file.writestr(name, content)
    return buffer.getvalue()


def files(member: Member, *, now: datetime.datetime) -> dict[str, str]:
    user, email = member.user, member.user.email
    found = {
        "profile.json": _json(_profile(member)),
        "terms.csv": csv_text(["plan", "start", "end", "cut short on"], _terms(member)),
        "payments.csv": csv_text(PAYMENT_COLUMNS, _payments(member)),
        "email_preferences.json": _json(personal_data.preferences_of(email)),
        "emails_sent_to_you.csv": csv_text(personal_data.EMAIL_LOG_FIELDS, _email_log(email)),
    }
    for payment in member.payments.select_related("plan").prefetch_related("terms"):
        context = {"payment": payment, "member": member, "term": payment.terms.first(), "org_name": settings.ORG_NAME}
        found[f"receipts/{payment.receipt_number}.txt"] = render_to_string(TEMPLATES + "receipt.txt", context)
    for part in privacy.parts():
        found.update(part.export(user_id=user.pk, email=email))
    names = sorted(found)
    found["README.txt"] = render_to_string(
        TEMPLATES + "export_readme.txt", {"names": names, "now": now, "org_name": settings.ORG_NAME}
    )
    return found


def _profile(member: Member) -> dict:
    user = member.user
    return {
        "email": user.email,
        "email_addresses": list(EmailAddress.objects.filter(user=user).values("email", "verified", "primary")),
        "full_name": member.full_name,
        "name_to_sort_by": member.sort_name,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "address": [member.address_line1, member.address_line2],
        "city": member.city,
        "postal_code": member.postal_code,
        "country": member.country,
        "phone": member.phone,
        "member_number": member.member_number,
        "listed_in_directory": member.directory_consent,
        "directory_shows_city_and_country": member.directory_shows_place,
        "affiliation": member.affiliation,
        "interests": member.interests,
        "account_created": user.date_joined,
        "auto_renew": member.auto_renew,
        "auto_renew_charges_on": member.renews_on,
        "standing": member.standing().label,
    }


def _terms(member: Member):
    for term in member.terms.select_related("plan").order_by("start", "pk"):
        yield [term.plan.name, term.start, term.end or "lifetime", term.cancelled_on or ""]


PAYMENT_COLUMNS = ["receipt number", "received on", "plan", "amount", "currency", "method", "status", "refunded"]


def _payments(member: Member):
    for p in member.payments.select_related("plan").order_by("received_on", "pk"):
        yield [
            p.receipt_number,
            p.received_on,
            p.plan.name if p.plan else "",
            plain_amount(p.amount_cents, p.currency),
            p.currency,
            p.get_method_display(),
            p.get_status_display(),
            plain_amount(p.refunded_cents, p.currency),
        ]


def _email_log(email: str):
    for row in personal_data.emails_sent_to(email):
        yield [row[name] for name in personal_data.EMAIL_LOG_FIELDS]


def _json(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False) + "\n"


def csv_text(header: list[str], rows) -> str:
    """CSV a spreadsheet shows as text (cells that look like formulas are prefixed with '):
    the same rules for every file of the download, the other apps' parts too."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(_cell(cell)) for cell in row])
    return out.getvalue()


def _cell(value) -> str:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else str(value)


# The email with the link.


def download_url(export: DataExport) -> str:
    return absolute(reverse("members:data-export", args=[export.public_id]))


def compose_export_ready(row):
    export = DataExport.objects.select_related("member__user").filter(pk=row.facts["export"]).first()
    if export is None or export.status != DataExport.Status.READY:
        raise Skip(gettext_lazy("the download was deleted before this email went out."))
    url = download_url(export)
    context = {"member": export.member, "export": export, "download_url": url}
    return composed_from(row, TEMPLATES + "email/export_ready", context, personal_links=(url,))


def register() -> None:
    register_composer("data-export-ready", compose_export_ready)
