"""The plan form's handling of a plan's cycle, approval and household options
(members/plan_options.py, whose `clean` checks them)."""

PLAN_OPTION_FIELDS = (
    "cycle_end_month",
    "cycle_end_day",
    "cutoff_month",
    "cutoff_day",
    "needs_approval",
    "approval_question",
    "covers_people",
)


def clean_plan_options(form, data: dict) -> None:
    """Leave the options in `data` ready to save; the model's `clean` (members/plan_options.py)
    says what is wrong with them, for this form and the admin's alike."""
    if data.get("covers_people") is None:
        data["covers_people"] = 1
    data["approval_question"] = (data.get("approval_question") or "").strip()
