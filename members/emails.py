"""The emails members get about their dues.

Each `queue_…` function records, inside the caller's transaction, one small row
under an idempotency key (so a repeated webhook or a second click never sends one
twice): the ids and the facts that must not drift. The composers below make the
message in a mail worker, from the rows as they are then; `register()` hands them
to notifications.

What a message reflects: a receipt shows the payment as it was made (the amount
and receipt number are fixed facts); a reminder or notice shows the membership as
it stands when it is sent, and is not sent at all once it no longer applies (the
member renewed, or turned auto-renew off).
"""

import datetime

from django.conf import settings
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.links import absolute, card_url, promise_confirm_url, renewal_url
from members.models import Dispute, FailedPayment, Member, MembershipTerm, Payment, PaymentPromise, PromiseRequest
from members.renewal import renewal_choice, renewal_choices
from notifications.outbox import Category, Notice, Skip, composed_from, queue_notice, register_composer

TEMPLATES = "members/email/"


def _notice(member: Member, *, key: str, kind: str, facts: dict, category=Category.TRANSACTIONAL) -> Notice:
    return Notice(key=key, kind=kind, to=member.user.email, facts=facts, category=category, user_id=member.user_id)


# Keys: each format is written here only.


def renewal_key(*, member_id: int, term_id: int, label: str) -> str:
    return f"renewal:{member_id}:{term_id}:{label}"


def auto_renew_notice_key(*, member_id: int, subscription_id: str, charge_on: datetime.date) -> str:
    return f"auto-renew-notice:{member_id}:{subscription_id}:{charge_on.isoformat()}"


# What a change owes.


def queue_welcome(member) -> bool:
    """Welcome, with the member number (sent once, at the first payment)."""
    return queue_notice(_notice(member, key=f"welcome:{member.pk}", kind="welcome", facts={"member": member.pk}))


def queue_receipt(payment) -> bool:
    """The receipt for one payment, with a link to its printable page."""
    facts = {"payment": payment.pk, "amount_cents": payment.amount_cents, "currency": payment.currency}
    return queue_notice(_notice(payment.member, key=f"receipt:{payment.pk}", kind="receipt", facts=facts))


def queue_payment_failed(failed) -> bool:
    """An auto-renew charge failed: the member is sent to fix their card (one email per attempt)."""
    key = f"payment-failed:{failed.stripe_invoice_id}:{failed.attempt_count}"
    return queue_notice(_notice(failed.member, key=key, kind="payment-failed", facts={"failed": failed.pk}))


def queue_auto_renew_cancelled(member, *, subscription_id: str) -> bool:
    """Confirms that auto-renew is off and no more charges will be made."""
    paid_through = member.paid_through()
    facts = {"member": member.pk, "paid_through": paid_through.isoformat() if paid_through else None}
    key = f"auto-renew-cancelled:{member.pk}:{subscription_id}"
    return queue_notice(_notice(member, key=key, kind="auto-renew-cancelled", facts=facts))


def queue_promise_noted(promise) -> bool:
    """Confirms a promise to pay offline, with how to pay."""
    facts = {"promise": promise.pk, "method": promise.method, "amount_cents": promise.amount_cents}
    key = f"promise:{promise.pk}:{promise.method}:{promise.amount_cents}"
    return queue_notice(_notice(promise.member, key=key, kind="promise-noted", facts=facts))


def renewal_reminder(member, *, term_id: int, label: str, offset: int) -> Notice:
    """One renewal reminder (`label` like '-30d' or 'lapsed+14d', `offset` its days after the end)."""
    key = renewal_key(member_id=member.pk, term_id=term_id, label=label)
    facts = {"member": member.pk, "term": term_id, "label": label, "offset": offset}
    return _notice(member, key=key, kind="renewal-reminder", facts=facts, category=Category.REMINDERS)


def auto_renew_notice(member) -> Notice:
    """'Stripe will charge your card on …', a week before it does."""
    charge_on = member.renews_on
    key = auto_renew_notice_key(member_id=member.pk, subscription_id=member.stripe_subscription_id, charge_on=charge_on)
    facts = {"member": member.pk, "charge_on": charge_on.isoformat(), "subscription": member.stripe_subscription_id}
    return _notice(member, key=key, kind="auto-renew-notice", facts=facts, category=Category.REMINDERS)


def queue_renewal_receipt(payment) -> bool:
    """The receipt for a payment that renews a membership: it says renewal, never welcome."""
    facts = {"payment": payment.pk, "amount_cents": payment.amount_cents, "currency": payment.currency}
    key = f"renewal-receipt:{payment.member_id}:{payment.pk}"
    return queue_notice(_notice(payment.member, key=key, kind="renewal-receipt", facts=facts))


def queue_refund_receipt(payment, *, amount_cents: int) -> bool:
    """What was refunded from one payment (one email for each refund, named by the total so far)."""
    facts = {"payment": payment.pk, "amount_cents": amount_cents, "refunded_cents": payment.refunded_cents}
    key = f"refund-receipt:{payment.member_id}:{payment.pk}:{payment.refunded_cents}"
    return queue_notice(_notice(payment.member, key=key, kind="refund-receipt", facts=facts))


def queue_dispute_opened(dispute, *, treasurer) -> bool:
    """Tells one treasurer (their Member profile) that a card payment is disputed (a chargeback)."""
    key = f"dispute-opened:{treasurer.user_id}:{dispute.stripe_dispute_id}"
    facts = {"dispute": dispute.pk, "member": treasurer.pk}
    return queue_notice(_notice(treasurer, key=key, kind="dispute-opened", facts=facts))


def queue_promise_confirmation(promise_request) -> bool:
    """Asks the member to confirm a promise to pay offline made through a renewal link."""
    key = f"promise-confirm:{promise_request.member_id}:{promise_request.pk}"
    facts = {"promise_request": promise_request.pk}
    return queue_notice(_notice(promise_request.member, key=key, kind="promise-confirm", facts=facts))


# Composers: run in a mail worker.


def _members(rows) -> dict[int, Member]:
    ids = {row.facts["member"] for row in rows}
    return {m.pk: m for m in Member.objects.filter(pk__in=ids).select_related("user")}


def _compose(row, kind: str, member: Member, context: dict):
    context = {"member": member, "membership_url": absolute(reverse("members:membership")), **context}
    return composed_from(row, TEMPLATES + kind.replace("-", "_"), context, personal_links=_links(context))


def _links(context: dict) -> tuple[str, ...]:
    return tuple(context[name] for name in ("renew_url", "card_url", "confirm_url") if context.get(name))


def compose_welcome(row):
    member = Member.objects.select_related("user").get(pk=row.facts["member"])
    return _compose(row, "welcome", member, {})


def _receipt(row, kind: str):
    payment = Payment.objects.select_related("member__user", "plan").get(pk=row.facts["payment"])
    url = absolute(reverse("members:receipt", args=[payment.receipt_number]))
    context = {"payment": payment, "receipt_url": url, "term": payment.terms.first()}
    return _compose(row, kind, payment.member, context)


def compose_receipt(row):
    return _receipt(row, "receipt")


def compose_payment_failed(row):
    failed = FailedPayment.objects.select_related("member__user").get(pk=row.facts["failed"])
    return _compose(row, "payment-failed", failed.member, {"failed": failed, "card_url": card_url(failed.member)})


def compose_auto_renew_cancelled(row):
    member = Member.objects.select_related("user").get(pk=row.facts["member"])
    paid_through = row.facts.get("paid_through")
    context = {"paid_through": datetime.date.fromisoformat(paid_through) if paid_through else None}
    return _compose(row, "auto-renew-cancelled", member, context)


def offline_instructions() -> str:
    """How to pay by cheque, transfer or cash: the society's own words, or else ours in the reader's language."""
    if settings.DUES_OFFLINE_INSTRUCTIONS:
        return settings.DUES_OFFLINE_INSTRUCTIONS
    return _(
        "Make cheques payable to %(org_name)s and post them to %(address)s. For a bank transfer or cash, "
        "please ask the treasurer; quote your name as the reference."
    ) % {"org_name": settings.ORG_NAME, "address": settings.ORG_ADDRESS}


def compose_promise_noted(row):
    promise = PaymentPromise.objects.select_related("member__user", "plan").get(pk=row.facts["promise"])
    context = {"promise": promise, "instructions": offline_instructions()}
    return _compose(row, "promise-noted", promise.member, context)


def compose_renewal_reminders(rows) -> dict:
    """Every renewal reminder of a batch, from six queries for the whole batch."""
    members = _members(rows)
    terms = MembershipTerm.objects.filter(pk__in={row.facts["term"] for row in rows}).select_related("plan")
    terms = {term.pk: term for term in terms}
    latest = dict(
        MembershipTerm.objects.filter(member_id__in=members)
        .values("member_id")
        .annotate(latest=Max("start"))
        .values_list("member_id", "latest")
    )
    choices = renewal_choices(members.values())
    today = timezone.localdate()
    results = {}
    for row in rows:
        member, term = members.get(row.facts["member"]), terms.get(row.facts["term"])
        try:
            if member is None or term is None:
                raise LookupError(gettext_lazy("The member or the term this reminder was about no longer exists."))
            if member.auto_renew or latest.get(member.pk, term.start) > term.start:
                raise Skip(gettext_lazy("the member renewed, or turned on auto-renew, after this reminder was queued."))
            results[row.pk] = _renewal_reminder(row, member, term, choices[member.pk], today)
        except Exception as error:
            results[row.pk] = error
    return results


def _renewal_reminder(row, member: Member, term: MembershipTerm, choice, today: datetime.date):
    plan, amount = choice
    context = {
        "term": term,
        "end": term.end,
        "days_left": (term.end - today).days,  # below 0 when sent after the end
        "has_lapsed": row.facts["offset"] > settings.MEMBERSHIP_GRACE_DAYS,
        "grace_ends": term.end + datetime.timedelta(days=settings.MEMBERSHIP_GRACE_DAYS),
        "renew_url": renewal_url(member, term),
        "plan": plan,
        "amount_cents": amount,
    }
    return _compose(row, "renewal-reminder", member, context)


def compose_auto_renew_notice(row):
    member = Member.objects.select_related("user").get(pk=row.facts["member"])
    if not member.auto_renew or member.stripe_subscription_id != row.facts["subscription"]:
        raise Skip(gettext_lazy("auto-renew was turned off after this notice was queued."))
    plan, amount = renewal_choice(member)
    context = {
        "charge_on": datetime.date.fromisoformat(row.facts["charge_on"]),
        "card_url": card_url(member),
        "plan": plan,
        "amount_cents": amount,
        "paid_through": member.paid_through(),
    }
    return _compose(row, "auto-renew-notice", member, context)


def compose_renewal_reminder(row):
    return compose_renewal_reminders([row])[row.pk]


def compose_renewal_receipt(row):
    return _receipt(row, "renewal-receipt")


def compose_refund_receipt(row):
    payment = Payment.objects.select_related("member__user", "plan").get(pk=row.facts["payment"])
    return _compose(
        row, "refund-receipt", payment.member, {"payment": payment, "amount_cents": row.facts["amount_cents"]}
    )


def compose_dispute_opened(row):
    dispute = Dispute.objects.select_related("payment").get(pk=row.facts["dispute"])
    treasurer = Member.objects.select_related("user").get(pk=row.facts["member"])
    context = {
        "dispute": dispute,
        "payment": dispute.payment,
        "queue_url": absolute(reverse("members:manage-unapplied")),
    }
    return _compose(row, "dispute-opened", treasurer, context)


def compose_promise_confirmation(row):
    pending = PromiseRequest.objects.select_related("member__user", "plan").get(pk=row.facts["promise_request"])
    context = {"promise_request": pending, "confirm_url": promise_confirm_url(pending)}
    return _compose(row, "promise-confirm", pending.member, context)


def register() -> None:
    """Tell notifications how to compose each kind of members' email."""
    register_composer("welcome", compose_welcome)
    register_composer("receipt", compose_receipt)
    register_composer("payment-failed", compose_payment_failed)
    register_composer("auto-renew-cancelled", compose_auto_renew_cancelled)
    register_composer("promise-noted", compose_promise_noted)
    register_composer("renewal-reminder", compose_renewal_reminder, batch=compose_renewal_reminders)
    register_composer("auto-renew-notice", compose_auto_renew_notice)
    register_composer("renewal-receipt", compose_renewal_receipt)
    register_composer("refund-receipt", compose_refund_receipt)
    register_composer("dispute-opened", compose_dispute_opened)
    register_composer("promise-confirm", compose_promise_confirmation)
