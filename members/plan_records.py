"""The records some plans keep: applications to a plan that needs approval, and the
people a household or institutional membership covers.

Imported by `members.models`, so Django sees these models as part of the app.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Application(models.Model):
    """A request to join a plan that needs approval, with the applicant's answer to its
    question. A treasurer approves it (the applicant may then pay) or declines it with a reason."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="applications")
    plan = models.ForeignKey(
        "members.Plan", verbose_name=_("plan"), on_delete=models.PROTECT, related_name="applications"
    )
    statement = models.TextField(_("your answer"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decline_reason = models.TextField(_("decline reason"), blank=True)

    # The applicant's answer may say where they study or work: the log says it changed, never what it was.
    audit_personal_fields = ("statement",)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "plan"], condition=Q(status="pending"), name="one_pending_application_per_plan"
            )
        ]

    def __str__(self):
        return f"Application {self.pk} ({self.plan})"

    def audit_label(self) -> str:
        return _("Application %(number)s to %(plan)s") % {"number": self.pk, "plan": self.plan.name}

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class CoveredPerson(models.Model):
    """Someone a household or institutional membership covers, added by the member who pays.

    The person has their own account and their own terms, copied from the payer's (so
    every list, segment and event price sees their standing), and loses them when the
    payer's membership ends or the payer removes them."""

    payer = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="covered_people")
    person = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="covered_by")
    added_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(_("removed on"), null=True, blank=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(removed_at__isnull=True), name="covered_by_one_payer_at_a_time"
            ),
            models.CheckConstraint(condition=~Q(payer=F("person")), name="payer_is_not_covered_by_themselves"),
        ]

    def __str__(self):
        return f"{self.person} (covered by {self.payer})"

    def audit_label(self) -> str:
        return _("%(person)s, covered by %(payer)s") % {
            "person": self.person.audit_label(),
            "payer": self.payer.audit_label(),
        }

    @property
    def is_current(self) -> bool:
        return self.removed_at is None
