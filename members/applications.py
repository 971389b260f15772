"""Plans that need approval: a member applies with their answer to the plan's question,
the application waits in the treasurers' queue (/manage/dues/applications/), and a
treasurer approves it (the applicant is emailed a link to pay, and pays as anyone joins)
or declines it with a reason (emailed). The applicant sees where it stands on /membership/.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from members import plan_emails
from members.dues import DuesError
from members.models import Application, Member, MembershipTerm, Plan

audit.log.describe("application.submitted", gettext_lazy("Applied for a plan that needs approval"))
audit.log.describe("application.approved", gettext_lazy("Approved an application for a plan"))
audit.log.describe("application.declined", gettext_lazy("Declined an application for a plan"))

STATEMENT_MOST = 5000


class ApplicationRefused(DuesError):
    """An application cannot be made or decided as asked; the message says why."""


def holds_plan(member: Member, plan: Plan) -> bool:
    """A member who has held the plan renews on it with no new application."""
    return MembershipTerm.objects.effective().filter(member=member, plan=plan).exists()


def may_pay(member: Member, plan: Plan) -> bool:
    if not plan.needs_approval or holds_plan(member, plan):
        return True
    return member.applications.filter(plan=plan, status=Application.Status.APPROVED).exists()


def check_may_pay(member: Member, plan: Plan) -> None:
    """Refuse to take dues for a plan that needs approval before the member is approved."""
    if not may_pay(member, plan):
        raise ApplicationRefused(
            _("“%(plan)s” needs approval first: apply for it on the join page, and pay once you are approved.")
            % {"plan": plan.shown_name}
        )


def latest_by_plan(member: Member) -> dict[int, Application]:
    """Each plan's latest application by this member, by plan id."""
    latest = {}
    for application in member.applications.select_related("plan").order_by("created_at", "pk"):
        latest[application.plan_id] = application
    return latest


def apply(*, member: Member, plan: Plan, statement: str) -> Application:
    """Apply for `plan` with the answer to its question; the applicant is told it arrived."""
    statement = statement.strip()
    if not plan.needs_approval or not plan.is_open:
        raise ApplicationRefused(_("This plan takes no applications."))
    if not statement:
        raise ApplicationRefused(_("Answer the question, so the treasurer can judge your application."))
    if len(statement) > STATEMENT_MOST:
        raise ApplicationRefused(_("Keep your answer under %(most)s characters.") % {"most": STATEMENT_MOST})
    if may_pay(member, plan):
        raise ApplicationRefused(_("You are approved for this plan already: you can pay for it now."))
    try:
        with transaction.atomic():
            application = Application.objects.create(member=member, plan=plan, statement=statement)
            changes = audit.log.diff({"plan": None, "statement": None}, application)
            audit.log.record(member.user, "application.submitted", application, changes=changes)
            plan_emails.queue_application_received(application)
    except IntegrityError:
        raise ApplicationRefused(_("Your application for this plan is already waiting for the treasurer.")) from None
    return application


def _decide(application: Application, *, status: str, by, reason: str = "") -> Application:
    application = Application.objects.select_for_update().select_related("plan", "member__user").get(pk=application.pk)
    if not application.is_pending:
        raise ApplicationRefused(
            _("This application was %(status)s already.") % {"status": application.get_status_display().lower()}
        )
    before = audit.log.snapshot(application, ("status", "decline_reason"))
    application.status, application.decline_reason = status, reason
    application.decided_at, application.decided_by = timezone.now(), by
    application.save(update_fields=["status", "decline_reason", "decided_at", "decided_by"])
    action = "application.approved" if status == Application.Status.APPROVED else "application.declined"
    audit.log.record(by, action, application, changes=audit.log.diff(before, application), reason=reason)
    return application


def approve(*, application: Application, by) -> Application:
    """Approve an application: the applicant is emailed a link to pay."""
    with transaction.atomic():
        application = _decide(application, status=Application.Status.APPROVED, by=by)
        plan_emails.queue_application_approved(application)
    return application


def decline(*, application: Application, reason: str, by) -> Application:
    """Decline an application with a reason, which the applicant is emailed."""
    reason = reason.strip()
    if not reason:
        raise ApplicationRefused(_("Say why the application is declined; the applicant is told."))
    with transaction.atomic():
        application = _decide(application, status=Application.Status.DECLINED, by=by, reason=reason)
        plan_emails.queue_application_declined(application)
    return application
