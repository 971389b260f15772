"""The RSVP list as CSV for organisers.

Times are given both in the event's own zone and in UTC. Any cell a spreadsheet
would read as a formula (=, +, -, @, tab, carriage return) is prefixed with an
apostrophe, so a name such as `=HYPERLINK(…)` stays text. Each registration question
has its column, its answers as a person reads them ("Vegetarian", "Rivers, Seas").
"""

import csv
import datetime
import io
from collections.abc import Iterator

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from events import question_lists
from events.models import RSVP, Event
from events.question_records import Question
from events.questions import shown
from members.roster import safe_cell

audit.log.describe("event.answers_exported", gettext_lazy("Downloaded the answers to an event (names and emails)"))


def _times(moment: datetime.datetime | None, event: Event) -> list[str]:
    if moment is None:
        return ["", ""]
    local = moment.astimezone(event.zone)
    return [local.strftime("%Y-%m-%d %H:%M"), moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M")]


def header(event: Event, questions: list[Question] = ()) -> list[str]:
    """The columns: the answer's own, then one per registration question (archived ones marked)."""
    zone = event.time_zone
    return [
        _("name"), _("email"), _("answer"), _("guests"), _("waitlist position"),
        _("answered (%(zone)s)") % {"zone": zone}, _("answered (%(zone)s)") % {"zone": "UTC"},
        _("checked in (%(zone)s)") % {"zone": zone}, _("checked in (%(zone)s)") % {"zone": "UTC"}, _("member account"),
        *(safe_cell(_("%(question)s (archived)") % {"question": q.text} if q.is_archived else q.text)
          for q in questions),
    ]  # fmt: skip


def rows(event: Event, questions: list[Question] = (), answers: dict | None = None) -> Iterator[list[str]]:
    """One row per RSVP: yes first, then maybe, waitlisted in line order, no, and no answer yet;
    `answers` ({rsvp id: {question id: value}}) fills the question columns."""
    answers = answers or {}
    order = {RSVP.Status.YES: 0, RSVP.Status.MAYBE: 1, RSVP.Status.WAITLISTED: 2, RSVP.Status.NO: 3}
    rsvps = sorted(
        event.rsvps.all().order_by("waitlisted_at", "name", "email", "pk"), key=lambda r: order.get(r.status, 4)
    )
    position = 0
    for rsvp in rsvps:
        if rsvp.status == RSVP.Status.WAITLISTED:
            position += 1
        yield [
            safe_cell(rsvp.name),
            safe_cell(rsvp.email),
            rsvp.get_status_display(),
            str(rsvp.guests),
            str(position) if rsvp.status == RSVP.Status.WAITLISTED else "",
            *_times(rsvp.answered_at, event),
            *_times(rsvp.checked_in_at, event),
            _("yes") if rsvp.user_id else _("no"),
            *(safe_cell(shown(q, answers.get(rsvp.pk, {}).get(q.pk))) for q in questions),
        ]


def rsvps_csv(event: Event, *, by) -> str:
    """Everyone who answered, as CSV; who took the list, and how many rows it had, is audited."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    asked = question_lists.columns(event)
    writer.writerow(header(event, asked))
    with transaction.atomic():
        listed = list(rows(event, asked, question_lists.answers_at(event, asked)))
        writer.writerows(listed)
        audit.log.record(by, "event.answers_exported", event, changes={"rows": [None, len(listed)]})
    return buffer.getvalue()
