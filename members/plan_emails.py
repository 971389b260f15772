"""The emails of plans that need approval and of household memberships.

As in members/emails.py: each `queue_…` records one small row in the caller's
transaction, under an idempotency key; the composers below make the message in a
mail worker, from the rows as they are then.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from members.links import absolute
from members.models import Application, CoveredPerson
from notifications.outbox import Notice, Skip, composed_from, queue_notice, register_composer

TEMPLATES = "members/email/"

KINDS = {
    "application-received": _("Application received"),
    "application-approved": _("Application approved"),
    "application-declined": _("Application declined"),
    "household-added": _("Added to a household membership"),
    "household-removed": _("Removed from a household membership"),
}


def _queue(member, kind: str, **facts) -> bool:
    """One email of `kind` about one application or covered person, keyed by its id: sent once."""
    [(name, pk)] = facts.items()
    notice = Notice(key=f"{kind}:{pk}", kind=kind, to=member.user.email, facts={name: pk}, user_id=member.user_id)
    return queue_notice(notice)


def queue_application_received(application) -> bool:
    return _queue(application.member, "application-received", application=application.pk)


def queue_application_approved(application) -> bool:
    return _queue(application.member, "application-approved", application=application.pk)


def queue_application_declined(application) -> bool:
    return _queue(application.member, "application-declined", application=application.pk)


def queue_household_added(covered) -> bool:
    """Tells a person they are covered, and how to sign in (by a code sent to this address)."""
    return _queue(covered.person, "household-added", covered=covered.pk)


def queue_household_removed(covered) -> bool:
    return _queue(covered.person, "household-removed", covered=covered.pk)


# Composers: run in a mail worker.


def _compose(row, kind: str, member, context: dict, *, links: tuple[str, ...] = ()):
    context = {"member": member, "membership_url": absolute(reverse("members:membership")), **context}
    return composed_from(row, TEMPLATES + kind.replace("-", "_"), context, personal_links=links)


def _application(row) -> Application:
    return Application.objects.select_related("member__user", "plan").get(pk=row.facts["application"])


def compose_application_received(row):
    application = _application(row)
    return _compose(row, "application-received", application.member, {"application": application})


def compose_application_approved(row):
    application = _application(row)
    pay_url = absolute(reverse("members:join")) + f"?plan={application.plan.slug}"
    return _compose(row, "application-approved", application.member, {"application": application, "pay_url": pay_url})


def compose_application_declined(row):
    application = _application(row)
    return _compose(row, "application-declined", application.member, {"application": application})


def _covered(row) -> CoveredPerson:
    return CoveredPerson.objects.select_related("person__user", "payer__user").get(pk=row.facts["covered"])


def compose_household_added(row):
    covered = _covered(row)
    if not covered.is_current:
        raise Skip(_("the person was removed from the household before this email was sent."))
    context = {
        "covered": covered,
        "payer": covered.payer,
        "sign_in_url": absolute(reverse("account_request_login_code")),
    }
    return _compose(row, "household-added", covered.person, context)


def compose_household_removed(row):
    covered = _covered(row)
    return _compose(row, "household-removed", covered.person, {"covered": covered, "payer": covered.payer})


def register() -> None:
    register_composer("application-received", compose_application_received)
    register_composer("application-approved", compose_application_approved)
    register_composer("application-declined", compose_application_declined)
    register_composer("household-added", compose_household_added)
    register_composer("household-removed", compose_household_removed)
