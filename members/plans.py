"""Plans: creating one and changing what it costs, how long it lasts and who may join.

Every change, from the treasurer's page or the admin, goes through `save_plan`, which
writes the audit row with the fields before and after.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy

import audit.log
from members.models import Plan
from members.plan_form_options import PLAN_OPTION_FIELDS
from members.second_language import SECOND_LANGUAGE_FIELDS

audit.log.describe("plan.created", gettext_lazy("Created a plan"))
audit.log.describe("plan.edited", gettext_lazy("Changed a plan"))

# What a treasurer sets on a plan: the plan form shows these and `save_plan` saves and logs them.
PLAN_FIELDS = (
    "name",
    "slug",
    "description",
    "pricing",
    "amount_cents",
    "minimum_cents",
    "period",
    "auto_renew_offered",
    "is_open",
    "needs_address",
    "display_order",
    *PLAN_OPTION_FIELDS,
    *SECOND_LANGUAGE_FIELDS,
)


def save_plan(*, plan: Plan | None, values: dict, by) -> Plan:
    """Create a plan (`plan` None) or change one, from already validated `values`.

    The plan is read again under a lock: a form that validated it has changed the copy
    in memory, and the log must say what the row held before."""
    with transaction.atomic():
        if plan is None or plan.pk is None:
            saved, action = Plan(), "plan.created"
            before = dict.fromkeys(PLAN_FIELDS)
        else:
            saved, action = Plan.objects.select_for_update().get(pk=plan.pk), "plan.edited"
            before = audit.log.snapshot(saved, PLAN_FIELDS)
        for name in PLAN_FIELDS:
            if name in values:
                setattr(saved, name, values[name])
        saved.save()
        changes = audit.log.diff(before, saved)
        if changes:
            audit.log.record(by, action, saved, changes=changes)
    return saved
