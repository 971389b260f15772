"""People, plans and the terms they paid for.

A member's standing is never stored: it is read off the dates of their terms
(see `standing_on`), so it can never drift from the payments that bought them.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.plan_options import PlanOptions
from members.second_language import PlanSecondLanguage
from members.standing import GOOD_STANDINGS, Standing, TermQuerySet, _not_cut_by, grace_period, standing_on
from members.users import User, UserManager  # noqa: F401 - the user model lives with its manager


def default_language() -> str:
    """A new member (one who joins, or one imported) reads the society's default language."""
    return settings.LANGUAGE_CODE


class MemberQuerySet(models.QuerySet):
    def in_good_standing(self, *, on: datetime.date):
        """Members who are active or in their grace period on `on`, in one query."""
        return self.filter(Exists(MembershipTerm.objects.in_good_standing(on=on).filter(member=OuterRef("pk"))))

    def with_any_term(self, *, on: datetime.date | None = None):
        """Members who have paid at least once (by `on`, if given): any standing but pending."""
        terms = MembershipTerm.objects.effective().filter(member=OuterRef("pk"))
        if on is not None:
            terms = terms.filter(start__lte=on)
        return self.filter(Exists(terms))

    def lapsed(self, *, on: datetime.date):
        return self.with_any_term(on=on).exclude(pk__in=self.in_good_standing(on=on).values("pk"))

    def with_standing(self, *, on: datetime.date):
        """Annotate `standing_code` (a `Standing` value) computed in SQL, the same rule as `standing_on`:
        the best standing any of the member's started terms gives, else pending.

        One correlated subquery with ORDER BY … LIMIT 1, not three EXISTS: PostgreSQL hashes
        EXISTS over every term in the table, where this runs for the rows of one page only."""
        covers = (Q(end__isnull=True) | Q(end__gte=on)) & _not_cut_by(on)
        in_grace = (Q(end__isnull=True) | Q(end__gte=on - grace_period())) & _not_cut_by(on)
        code = models.Case(
            models.When(covers, then=models.Value(Standing.ACTIVE.value)),
            models.When(in_grace, then=models.Value(Standing.GRACE.value)),
            default=models.Value(Standing.LAPSED.value),
            output_field=models.CharField(),
        )
        rank = models.Case(
            models.When(covers, then=models.Value(0)), models.When(in_grace, then=models.Value(1)), default=2
        )
        best = (
            MembershipTerm.objects.effective()
            .filter(member=OuterRef("pk"), start__lte=on)
            .annotate(code=code)
            .order_by(rank)
            .values("code")[:1]
        )
        return self.annotate(
            standing_code=Coalesce(
                models.Subquery(best, output_field=models.CharField()), models.Value(Standing.PENDING.value)
            )
        )

    def with_current_term(self):
        """Annotate `paid_through` (the last day paid for; None for lifetime or never paid),
        `is_lifetime`, `current_plan_id` and `current_plan_name`, from the member's latest uncancelled term."""
        latest = MembershipTerm.objects.filter(member=OuterRef("pk"), cancelled_on__isnull=True).order_by(
            models.F("end").desc(nulls_first=True), "-pk"
        )
        return self.annotate(
            paid_through=models.Subquery(latest.values("end")[:1]),
            is_lifetime=Exists(latest.filter(end__isnull=True)),
            current_plan_id=models.Subquery(latest.values("plan_id")[:1]),
            current_plan_name=models.Subquery(latest.values("plan__name")[:1]),
        )


def sort_key():
    """What lists of members sort by: the name to sort by; for a member without one (named
    only by given and family names, say), the family name, else the full name."""
    empty = models.Value("")
    return Coalesce(NullIf("sort_name", empty), NullIf("last_name", empty), "full_name")


class Member(models.Model):
    """The profile every user has: who they are to the society."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member")
    # The name as the person writes it, and the part lists sort by (members/names.py
    # guesses it). Given and family names are kept as other systems export them; a
    # member with no full name is named by them.
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    sort_name = models.CharField(_("name to sort by"), max_length=200, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address (line 2)"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    member_number = models.PositiveIntegerField(_("member number"), unique=True, null=True, blank=True, editable=False)
    directory_consent = models.BooleanField(_("list me in the members' directory"), default=False)
    # What a listing in the directory shows besides the name (members/directory.py).
    directory_shows_place = models.BooleanField(_("show my city and country in the directory"), default=False)
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    # The language the member reads the site and their emails in (one of LANGUAGES).
    language = models.CharField(_("language"), max_length=10, default=default_language)
    interests = models.CharField(_("interests"), max_length=500, blank=True)
    # A second record of one person, merged into the one kept (members/roster_edit.py).
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_records",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Stripe: the customer is created once and reused for every later checkout.
    stripe_customer_id = models.CharField(
        _("Stripe customer ID"), max_length=255, unique=True, null=True, blank=True, editable=False
    )
    stripe_subscription_id = models.CharField(max_length=255, blank=True, editable=False)
    auto_renew = models.BooleanField(_("auto-renew"), default=False, editable=False)
    renews_on = models.DateField(
        null=True, blank=True, editable=False, help_text=_("When Stripe will next charge for auto-renew.")
    )
    # The Stripe event time of the subscription state stored above: older events
    # arriving late must not overwrite newer state.
    subscription_synced_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the account was closed and the person's details erased (members/erasure.py);
    # the payments stay, under "Former member N", for PAYMENT_RETENTION_YEARS.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = [sort_key().asc(), "full_name", "first_name", "user__email"]
        # The treasurer's list is sorted by name: the page is read off this index, not a sort of everyone.
        indexes = [models.Index(sort_key(), F("full_name"), name="member_sort_key_idx")]

    def __str__(self):
        return self.name or self.user.email

    def audit_label(self) -> str:
        """How the audit log names a member: by number, never by name or email."""
        if self.member_number:
            return _("Member %(number)s") % {"number": self.member_number}
        return _("Member id %(id)s (no number yet)") % {"id": self.pk}

    @property
    def name(self) -> str:
        if self.is_erased:
            return gettext("Former member %(number)s") % {"number": self.member_number or self.pk}
        return self.full_name or f"{self.first_name} {self.last_name}".strip()

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def postal_lines(self) -> list[str]:
        """The postal address as it is written on an envelope, one line each, blanks left out."""
        town = " ".join(part for part in (self.postal_code, self.city) if part)
        lines = (self.address_line1, self.address_line2, town, self.country)
        return [line.strip() for line in lines if line and line.strip()]

    @property
    def email(self) -> str:
        return self.user.email

    def standing(self, *, on: datetime.date | None = None) -> Standing:
        return standing_on(self.terms.all(), on or timezone.localdate())

    def in_good_standing(self, *, on: datetime.date | None = None) -> bool:
        return self.standing(on=on) in GOOD_STANDINGS

    def current_term(self, *, on: datetime.date | None = None) -> "MembershipTerm | None":
        """The term covering `on`, else the latest term that still counts."""
        day = on or timezone.localdate()
        terms = [term for term in self.terms.all() if not term.is_void]
        covering = [term for term in terms if term.covers(day)]
        if covering:
            return covering[0]
        started = [term for term in terms if term.start <= day]
        return max(started, key=lambda term: (term.last_day or datetime.date.max, term.pk), default=None)

    def paid_through(self) -> datetime.date | None:
        """The last day of the latest uncancelled yearly term (renewals stack up); None if none."""
        ends = [term.end for term in self.terms.all() if term.cancelled_on is None and term.end is not None]
        return max(ends, default=None)

    @property
    def has_lifetime_membership(self) -> bool:
        return any(term.end is None and term.cancelled_on is None for term in self.terms.all())


def default_currency() -> str:
    return settings.CURRENCY


class Plan(PlanOptions, PlanSecondLanguage, models.Model):
    """What a membership costs and how long it lasts."""

    class Pricing(models.TextChoices):
        FIXED = "fixed", _("Fixed dues")
        SLIDING = "sliding", _("Sliding scale")

    class Period(models.TextChoices):
        YEARLY = "yearly", _("Yearly")
        MONTHLY = "monthly", _("Monthly")
        LIFETIME = "lifetime", _("Lifetime")

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), unique=True)
    description = models.TextField(_("description"), blank=True)
    pricing = models.CharField(_("pricing"), max_length=10, choices=Pricing.choices, default=Pricing.FIXED)
    amount_cents = models.PositiveIntegerField(
        _("dues (cents)"), help_text=_("The fixed dues, or the suggested amount on a sliding scale.")
    )
    minimum_cents = models.PositiveIntegerField(
        _("minimum (cents)"), default=0, help_text=_("The least a member may pay on a sliding scale.")
    )
    currency = models.CharField(max_length=3, default=default_currency)
    period = models.CharField(_("period"), max_length=10, choices=Period.choices, default=Period.YEARLY)
    auto_renew_offered = models.BooleanField(_("auto renew offered"), default=True)
    is_open = models.BooleanField(_("open to new members"), default=True)
    needs_address = models.BooleanField(
        _("asks for a postal address"),
        default=False,
        help_text=_("Joining on this plan asks for the member's address."),
    )
    display_order = models.PositiveIntegerField(_("display order"), default=0)
    # The log shows these as money, not as the cents the admin's form asks for.
    audit_field_names = {"amount_cents": _("dues"), "minimum_cents": _("minimum")}

    class Meta:
        ordering = ["display_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pricing="fixed") | Q(minimum_cents__lte=models.F("amount_cents")),
                name="plan_suggested_at_least_minimum",
            )
        ]

    def __str__(self):
        return self.name

    def audit_label(self) -> str:
        return _("Plan %(name)s") % {"name": self.name}

    @property
    def is_sliding(self) -> bool:
        return self.pricing == self.Pricing.SLIDING

    @property
    def least_cents(self) -> int:
        """The smallest amount this plan accepts (never zero: free is 'complimentary', recorded by staff)."""
        return max(self.minimum_cents, 1) if self.is_sliding else self.amount_cents

    def accepts(self, amount_cents: int) -> bool:
        if self.is_sliding:
            return amount_cents >= self.least_cents
        return amount_cents == self.amount_cents


class Payment(models.Model):
    """Money received for a membership. Never deleted: a refund or void changes its status."""

    class Method(models.TextChoices):
        CARD = "card", _("Card (Stripe)")
        CASH = "cash", _("Cash")
        CHEQUE = "cheque", _("Cheque")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        COMPLIMENTARY = "complimentary", _("Complimentary")
        # Paid before the society used Societas, as its old member list says: no receipt was sent.
        IMPORTED = "imported", _("Imported from the old member list")

    class Status(models.TextChoices):
        PAID = "paid", _("Paid")
        REFUNDED = "refunded", _("Refunded")
        VOIDED = "voided", _("Voided")

    class Kind(models.TextChoices):
        DUES = "dues", _("Dues")
        TICKETS = "tickets", _("Tickets")

    # Dues always have their member; tickets have one only when the buyer is a member.
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="payments", null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DUES, db_index=True)
    # What a payment that is not dues bought, in words: "Annual Congress: 2 tickets (order 12)".
    description = models.CharField(_("description"), max_length=300, blank=True)
    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="payments", null=True, blank=True
    )
    amount_cents = models.PositiveIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, default=default_currency)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PAID)
    received_on = models.DateField(_("received on"))
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    receipt_number = models.CharField(_("receipt number"), max_length=30, unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    refunded_cents = models.PositiveIntegerField(_("refunded"), default=0)
    status_reason = models.TextField(_("reason for refund or void"), blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Why the treasurer confirmed a date that looked wrong (long ago, before joining).
    date_confirmation = models.TextField(blank=True)
    # Each Stripe object pays for one membership at most: the unique ids make a
    # repeated or concurrent webhook unable to record the same money twice.
    stripe_checkout_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_invoice_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-received_on", "-pk"]
        indexes = [models.Index(fields=["received_on"])]

    def __str__(self):
        return f"{self.receipt_number}: {self.amount_cents / 100:.2f} {self.currency}"

    def audit_label(self) -> str:
        return _("Payment %(receipt)s") % {"receipt": self.receipt_number}

    @property
    def is_paid(self) -> bool:
        return self.status == self.Status.PAID

    @property
    def is_offline(self) -> bool:
        return self.method != self.Method.CARD


class MembershipTerm(models.Model):
    """A paid period of a plan for a member: both `start` and `end` are days covered.

    A refund or void cuts the term short: from `cancelled_on` it no longer counts
    (a term cancelled on its first day never counted at all).
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="terms")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="terms")
    start = models.DateField()
    end = models.DateField(null=True, blank=True, help_text=_("Empty for a lifetime membership."))
    payment = models.ForeignKey(Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="terms")
    cancelled_on = models.DateField(
        _("cancelled on"),
        null=True,
        blank=True,
        help_text=_("The first day this term no longer covers, after a refund or void."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TermQuerySet.as_manager()

    class Meta:
        ordering = ["start", "pk"]
        indexes = [
            models.Index(fields=["member", "end"]),
            models.Index(fields=["end"]),
            # The board: who joined or renewed in a month reads that month's terms only,
            # and lapses by refund or void are found among the few cut terms.
            models.Index(fields=["start"], name="term_start_idx"),
            models.Index(fields=["cancelled_on"], name="term_cut_idx", condition=Q(cancelled_on__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="term_ends_after_start"
            )
        ]

    def __str__(self):
        return f"{self.member} {self.plan}: {self.start} to {self.end or 'lifetime'}"

    def audit_label(self) -> str:
        end = self.end or _("lifetime")
        return _("Term %(start)s to %(end)s (%(member)s)") % {
            "start": self.start,
            "end": end,
            "member": self.member.audit_label(),
        }

    @property
    def is_void(self) -> bool:
        return self.cancelled_on is not None and self.cancelled_on <= self.start

    @property
    def last_day(self) -> datetime.date | None:
        """The last day covered, after any cancellation; None for an uncut lifetime term."""
        if self.cancelled_on is not None:
            cut = self.cancelled_on - datetime.timedelta(days=1)
            return cut if self.end is None else min(cut, self.end)
        return self.end

    def covers(self, day: datetime.date) -> bool:
        return (
            self.start <= day
            and (self.end is None or day <= self.end)
            and (self.cancelled_on is None or day < self.cancelled_on)
        )

    def in_good_standing_on(self, day: datetime.date) -> bool:
        """Active, or ended naturally less than the grace period ago."""
        return (
            self.start <= day
            and (self.end is None or day <= self.end + grace_period())
            and (self.cancelled_on is None or day < self.cancelled_on)
        )


# The records kept around payments live in their own module; importing them here
# registers them with the app.
from members.import_records import ImportedMember, MemberImport  # noqa: E402
from members.plan_records import Application, CoveredPerson  # noqa: E402, F401
from members.privacy_records import DataExport  # noqa: E402
from members.records import (  # noqa: E402
    Checkout,
    Counter,
    Dispute,
    FailedPayment,
    MemberNote,
    PaymentPromise,
    PromiseRequest,
    RefusedWebhook,
    StripeEvent,
    UnappliedMoney,
)
from members.schedule_records import ReminderSchedule  # noqa: E402

__all__ = [
    "GOOD_STANDINGS",
    "Checkout",
    "Counter",
    "DataExport",
    "Dispute",
    "FailedPayment",
    "ImportedMember",
    "Member",
    "MemberImport",
    "MemberNote",
    "MembershipTerm",
    "Payment",
    "PaymentPromise",
    "Plan",
    "PromiseRequest",
    "RefusedWebhook",
    "ReminderSchedule",
    "Standing",
    "StripeEvent",
    "UnappliedMoney",
    "User",
    "grace_period",
    "standing_on",
]
