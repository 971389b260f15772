"""Closing an account: the person's details are erased, the accounts keep their numbers.

A member asks on /membership/; the confirmation is emailed (a signed link that expires
after ACCOUNT_CLOSURE_LINK_HOURS and names the address it was sent to), whose page
erases on its button. A treasurer can do the same from the member's page, with a reason.

Erased: name, address, phone, email (the account's address becomes
`erased-<member id>@erased.invalid`, with no usable password, inactive, so every session
of it ends), its other addresses and two-factor keys, the treasurer's notes, the
answers to events (events' part), the outbox's copies of the emails and the choices of
the address (notifications'), the bodies of Stripe's events about the customer,
pending downloads; the Stripe customer is deleted (its
subscription cancelled first) by a worker once the erasure commits. Kept: the payments
with their amounts, dates and receipt numbers, shown as "Former member N", for
PAYMENT_RETENTION_YEARS (members/retention.py), so the accounts still add up.
"""

import datetime
import logging

import stripe
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from config.languages import in_society_language
from members import privacy
from members import stripe as card
from members.links import InvalidLink, absolute
from members.models import FailedPayment, Member, PaymentPromise, StripeEvent
from members.privacy import PrivacyRefused, erased_address
from notifications import personal_data
from notifications.outbox import Notice, Skip, composed_from, queue_notice, register_composer

log = logging.getLogger(__name__)

audit.log.describe("member.erased", gettext_lazy("Closed an account and erased the person's details"))

CLOSURE_SALT = "members.close-account"
PROFILE_FIELDS = (
    "full_name",
    "sort_name",
    "affiliation",
    "interests",
    "first_name",
    "last_name",
    "address_line1",
    "address_line2",
    "city",
    "postal_code",
    "country",
    "phone",
)
ASKED_BY_MEMBER = gettext_lazy("Asked by the member, confirmed from their email.")


# Asking, and the emailed link.


def request_closure(*, member: Member, now: datetime.datetime | None = None) -> bool:
    """Email the member a link that confirms closing their account (one a minute at most)."""
    now = now or timezone.now()
    if member.is_erased:
        raise PrivacyRefused(_("This account is closed already."))
    notice = Notice(
        key=f"account-closure:{member.pk}:{now:%Y%m%d%H%M}",
        kind="account-closure-confirm",
        to=member.user.email,
        facts={"member": member.pk},
        user_id=member.user_id,
    )
    with transaction.atomic():
        return queue_notice(notice)


def _address_mark(email: str) -> str:
    # The link names the address it was sent to: after a change of address it does nothing.
    return salted_hmac(CLOSURE_SALT, email).hexdigest()[:20]


def closure_url(member: Member) -> str:
    token = signing.dumps({"m": member.pk, "a": _address_mark(member.user.email)}, salt=CLOSURE_SALT)
    return absolute(reverse("members:close-account-confirm", args=[token]))


def read_closure_token(token: str) -> Member:
    """The member a closure link was sent to; InvalidLink, saying why, if it does not work."""
    max_age = datetime.timedelta(hours=settings.ACCOUNT_CLOSURE_LINK_HOURS)
    try:
        data = signing.loads(token, salt=CLOSURE_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise InvalidLink(_("This link has expired. Ask again on your membership page for a new one.")) from None
    except signing.BadSignature:
        raise InvalidLink(_("This link is not valid. Please check it was copied in full.")) from None
    member = Member.objects.select_related("user").filter(pk=data.get("m")).first() if isinstance(data, dict) else None
    if member is None or member.is_erased or data.get("a") != _address_mark(member.user.email):
        raise InvalidLink(_("This link is not valid any more."))
    return member


def compose_closure_confirm(row):
    member = Member.objects.select_related("user").get(pk=row.facts["member"])
    if member.is_erased:
        raise Skip(gettext_lazy("the account was closed before this email went out."))
    url = closure_url(member)
    context = {"member": member, "confirm_url": url, "hours": settings.ACCOUNT_CLOSURE_LINK_HOURS}
    return composed_from(row, "members/privacy/email/closure_confirm", context, personal_links=(url,))


def register() -> None:
    register_composer("account-closure-confirm", compose_closure_confirm)


# Erasing.


def erase_member(*, member: Member, by, reason: str = "", now: datetime.datetime | None = None) -> Member:
    """Close the account and erase the person's details (see the module's docstring).
    Staff must say why; the member's own request needs no reason. Refused for an account
    closed already and for a superuser. One transaction: all of it, or nothing."""
    now = now or timezone.now()
    by_themself = getattr(by, "pk", None) == member.user_id
    if not by_themself and not reason.strip():
        raise PrivacyRefused(_("Say why the account is closed; the reason is kept in the audit log."))
    with transaction.atomic():
        locked = Member.objects.select_for_update().select_related("user").get(pk=member.pk)
        user = locked.user
        if locked.is_erased:
            raise PrivacyRefused(_("This account is closed already."))
        if user.is_superuser:
            raise PrivacyRefused(_("A superuser's account cannot be closed here: remove the superuser status first."))
        email, stripe_ids = user.email, (locked.stripe_customer_id or "", locked.stripe_subscription_id)
        before = audit.log.snapshot(locked, (*PROFILE_FIELDS, "directory_consent", "auto_renew"))
        _erase_profile(locked, now)
        _erase_account(user, number=locked.pk)
        _close_open_matters(locked, now)
        _forget_stripe_events(stripe_ids[0])
        for part in privacy.parts():
            part.erase(user_id=user.pk, email=email, now=now)
        personal_data.forget_address(email=email, replacement=user.email)
        audit.log.record(
            # The member's own row is signed by the account as it now reads ("Former member N").
            user if by_themself else by,
            "member.erased",
            locked,
            changes=_masked(audit.log.diff(before, locked), email_changed=email != user.email),
            reason=reason.strip() or in_society_language(ASKED_BY_MEMBER),
        )
        transaction.on_commit(lambda: _forget_at_stripe_later(*stripe_ids), robust=True)
    return locked


def _erase_profile(member: Member, now: datetime.datetime) -> None:
    for name in PROFILE_FIELDS:
        setattr(member, name, "")
    member.directory_consent = member.directory_shows_place = False
    member.erased_at = now
    member.stripe_customer_id, member.stripe_subscription_id = None, ""
    member.auto_renew, member.renews_on = False, None
    member.save()


def _erase_account(user, *, number: int) -> None:
    user.email = erased_address("erased", number)
    # A new password hash ends every session of the account (Django checks it on each request).
    user.set_unusable_password()
    user.is_active = user.is_staff = False
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()


def _close_open_matters(member: Member, now: datetime.datetime) -> None:
    """The treasurer's notes go; promises and failed charges are closed, their notes emptied."""
    member.notes.all().delete()
    member.promise_requests.all().delete()
    member.data_exports.all().delete()
    member.applications.update(statement="")  # an applicant's answer may say where they study or work
    member.promises.filter(status=PaymentPromise.Status.OPEN).update(
        status=PaymentPromise.Status.WITHDRAWN, resolved_at=now
    )
    member.promises.update(note="")
    member.failed_payments.update(resolution_note="")
    member.failed_payments.filter(resolved_at__isnull=True).update(
        resolved_at=now,
        resolution=FailedPayment.Resolution.RESOLVED,
        resolution_note=in_society_language(gettext_lazy("The account was closed.")),
    )


def _forget_stripe_events(customer_id: str) -> None:
    """The bodies of Stripe's events about the customer held their name, email and address;
    those already applied are not needed again (the ids, types and times stay)."""
    if customer_id:
        applied = StripeEvent.objects.filter(processed_at__isnull=False, payload__data__object__customer=customer_id)
        applied.update(payload={})


def _masked(changes: dict, *, email_changed: bool) -> dict:
    """The log says which details changed, never what they were (postal_code is not among
    the audit log's own personal fields, so every profile field is masked here)."""
    masked = {name: [audit.log.CHANGED, audit.log.CHANGED] if name in PROFILE_FIELDS else pair
              for name, pair in changes.items()}  # fmt: skip
    if email_changed:
        masked["email"] = [audit.log.CHANGED, audit.log.CHANGED]
    return masked


def _forget_at_stripe_later(customer_id: str, subscription_id: str) -> None:
    if not (customer_id or subscription_id) or not settings.STRIPE_SECRET_KEY:
        return
    if card.is_local_id(customer_id) and (not subscription_id or card.is_local_id(subscription_id)):
        return
    from members.tasks import forget_stripe_customer

    forget_stripe_customer.delay(customer_id, subscription_id)


def forget_at_stripe(*, customer_id: str, subscription_id: str) -> None:
    """Cancel the subscription, then delete the customer (a worker's work; the task retries
    while Stripe cannot be reached). What Stripe no longer has counts as done."""
    if not settings.STRIPE_SECRET_KEY:
        return
    client = card.client()
    if subscription_id and not card.is_local_id(subscription_id):
        try:
            client.v1.subscriptions.cancel(subscription_id)
        except stripe.InvalidRequestError as error:
            # Cancelled already, or gone: deleting the customer below ends it in any case.
            log.info("Stripe did not cancel subscription %s: %s", subscription_id, error)
    if customer_id and not card.is_local_id(customer_id):
        try:
            client.v1.customers.delete(customer_id)
        except stripe.InvalidRequestError as error:
            if error.code != "resource_missing":
                raise
