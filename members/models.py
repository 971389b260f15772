"""People, plans and the terms they paid for.

A member's standing is never stored: it is read off the dates of their terms
(see `standing_on`), so it can never drift from the payments that bought them.
"""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        Member.objects.get_or_create(user=user)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who can sign in. The email address is the login; there is no username."""

    email = models.EmailField("email address", unique=True)
    is_staff = models.BooleanField(default=False, help_text="Can sign in to the Django admin.")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.email

    def get_full_name(self):
        member = getattr(self, "member", None)
        return member.name if member and member.name else self.email

    def get_short_name(self):
        member = getattr(self, "member", None)
        return member.first_name if member and member.first_name else self.email


class Standing(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    GRACE = "grace", "In grace period"
    LAPSED = "lapsed", "Lapsed"


def grace_period() -> datetime.timedelta:
    return datetime.timedelta(days=settings.MEMBERSHIP_GRACE_DAYS)


def standing_on(terms, day: datetime.date) -> Standing:
    """The standing that a set of terms gives on `day`.

    Terms that start after `day` do not count yet; a lifetime term (no end) is
    active for ever from its start.
    """
    started = [term for term in terms if term.start <= day]
    if not started:
        return Standing.PENDING
    if any(term.covers(day) for term in started):
        return Standing.ACTIVE
    last_end = max(term.end for term in started)
    if day <= last_end + grace_period():
        return Standing.GRACE
    return Standing.LAPSED


class MemberQuerySet(models.QuerySet):
    def in_good_standing(self, *, on: datetime.date):
        """Members who are active or in their grace period on `on`, in one query."""
        return self.filter(Exists(MembershipTerm.objects.in_good_standing(on=on).filter(member=OuterRef("pk"))))

    def with_any_term(self):
        """Members who have paid at least once (any standing but pending)."""
        return self.filter(Exists(MembershipTerm.objects.filter(member=OuterRef("pk"))))

    def lapsed(self, *, on: datetime.date):
        return self.with_any_term().exclude(pk__in=self.in_good_standing(on=on).values("pk"))


class Member(models.Model):
    """The profile every user has: who they are to the society."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member")
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    address_line1 = models.CharField("address", max_length=200, blank=True)
    address_line2 = models.CharField("address (line 2)", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    member_number = models.PositiveIntegerField(unique=True, null=True, blank=True, editable=False)
    directory_consent = models.BooleanField("list me in the members' directory", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "user__email"]

    def __str__(self):
        return self.name or self.user.email

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def email(self) -> str:
        return self.user.email

    def standing(self, *, on: datetime.date | None = None) -> Standing:
        return standing_on(self.terms.all(), on or timezone.localdate())

    def in_good_standing(self, *, on: datetime.date | None = None) -> bool:
        return self.standing(on=on) in (Standing.ACTIVE, Standing.GRACE)


class Plan(models.Model):
    """What a membership costs and how long it lasts."""

    class Pricing(models.TextChoices):
        FIXED = "fixed", "Fixed dues"
        SLIDING = "sliding", "Sliding scale"

    class Period(models.TextChoices):
        YEARLY = "yearly", "Yearly"
        LIFETIME = "lifetime", "Lifetime"

    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)
    description = models.TextField(blank=True)
    pricing = models.CharField(max_length=10, choices=Pricing.choices, default=Pricing.FIXED)
    amount_cents = models.PositiveIntegerField(
        "dues (cents)", help_text="The fixed dues, or the suggested amount on a sliding scale."
    )
    minimum_cents = models.PositiveIntegerField(
        "minimum (cents)", default=0, help_text="The least a member may pay on a sliding scale."
    )
    currency = models.CharField(max_length=3, default="USD")
    period = models.CharField(max_length=10, choices=Period.choices, default=Period.YEARLY)
    auto_renew_offered = models.BooleanField(default=True)
    is_open = models.BooleanField("open to new members", default=True)
    display_order = models.PositiveIntegerField(default=0)

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

    @property
    def is_sliding(self) -> bool:
        return self.pricing == self.Pricing.SLIDING

    @property
    def is_lifetime(self) -> bool:
        return self.period == self.Period.LIFETIME

    def accepts(self, amount_cents: int) -> bool:
        if self.is_sliding:
            return amount_cents >= self.minimum_cents and amount_cents > 0
        return amount_cents == self.amount_cents


class Payment(models.Model):
    """Money received (or promised and then received) for a membership."""

    class Method(models.TextChoices):
        CARD = "card", "Card (Stripe)"
        CASH = "cash", "Cash"
        CHEQUE = "cheque", "Cheque"
        BANK_TRANSFER = "bank_transfer", "Bank transfer"
        COMPLIMENTARY = "complimentary", "Complimentary"

    class Status(models.TextChoices):
        PAID = "paid", "Paid"
        REFUNDED = "refunded", "Refunded"
        VOIDED = "voided", "Voided"

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="payments")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="payments", null=True, blank=True)
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="USD")
    method = models.CharField(max_length=20, choices=Method.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PAID)
    received_on = models.DateField()
    reference = models.CharField(max_length=200, blank=True)
    receipt_number = models.CharField(max_length=30, unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-pk"]

    def __str__(self):
        return f"{self.receipt_number}: {self.amount_cents / 100:.2f} {self.currency}"


class TermQuerySet(models.QuerySet):
    def in_good_standing(self, *, on: datetime.date):
        """Terms that make their member active or in grace on `on`."""
        return self.filter(start__lte=on).filter(Q(end__isnull=True) | Q(end__gte=on - grace_period()))


class MembershipTerm(models.Model):
    """A paid period of a plan for a member: both `start` and `end` are days covered."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="terms")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="terms")
    start = models.DateField()
    end = models.DateField(null=True, blank=True, help_text="Empty for a lifetime membership.")
    payment = models.ForeignKey(Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="terms")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TermQuerySet.as_manager()

    class Meta:
        ordering = ["start", "pk"]
        indexes = [models.Index(fields=["member", "end"]), models.Index(fields=["end"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="term_ends_after_start"
            )
        ]

    def __str__(self):
        return f"{self.member} {self.plan}: {self.start} to {self.end or 'lifetime'}"

    def covers(self, day: datetime.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)
