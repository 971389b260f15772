"""Fault test: a mail scanner opens every link in every email, and nothing changes.

    .venv/bin/python benchmarks/soak_scanner.py

First a scripted run of the journeys, through the product's own pages (Django's test client,
DEBUG on for the local test checkout), with Celery tasks run inline and every email kept:
a newcomer signs up, confirms, joins and pays on the local test checkout (receipt, welcome);
a treasurer records a cheque for a lapsed member (receipt); an organiser invites the members
in good standing to an event with one seat; one says yes, the other is waitlisted, the first
changes to no and the second is promoted; the renewal reminders and every other due reminder
go out; a member unsubscribes from reminders with the reminder's link. Then a real gunicorn
server is started and every link to the site in those emails is opened with GET and with
HEAD, no cookies, redirects followed, as a scanner does.
Counts: tables whose rows changed (all of them but django_session), server errors.
Prints one line; exits 1 when a count is wrong.
"""

import datetime
import re
import sys
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness

PORT = 8114
PASSWORD = "a long and unusual passphrase"
LINK = re.compile(r"""https?://[^\s"'<>)\]\\]+""")  # a calendar part escapes line ends as \n
NOT_STATE = {"django_session"}  # a scanner may be given a session; it is not the product's state


def journeys(site: str) -> None:
    """The scripted run; every email it causes ends in django.core.mail.outbox."""
    from django.test import Client

    from benchmarks import seed

    host = urlsplit(site).netloc
    plan = seed.plan()
    newcomer = join_and_pay(Client(HTTP_HOST=host))
    lapsed = treasurer_records_a_cheque(Client(HTTP_HOST=host), plan)
    rsvp_and_waitlist(Client(HTTP_HOST=host), [newcomer, lapsed])
    renewal_reminders(plan)
    unsubscribe(Client(HTTP_HOST=host))


def _ok(response, *codes):
    assert response.status_code in (codes or (200, 302)), (response.status_code, response.content[:500])
    return response


def join_and_pay(client):
    from django.core import mail

    from members.models import Member

    signup = {"full_name": "Nora Newcomer", "email": "newcomer@example.org"}
    signup.update(password1=PASSWORD, password2=PASSWORD)
    _ok(client.post("/accounts/signup/", signup), 302)  # a form sent back with an error is a 200
    key = re.search(r"/accounts/confirm-email/([^/\s]+)/", mail.outbox[-1].body).group(1)
    _ok(client.post(f"/accounts/confirm-email/{key}/"))
    checkout = _ok(client.post("/join/", {"plan": "regular", "pay": "card"}))["Location"]
    _ok(client.post(checkout, {"action": "pay"}))
    member = Member.objects.get(user__email="newcomer@example.org")
    assert member.in_good_standing(), "the newcomer is a member after paying"
    return member


def treasurer_records_a_cheque(client, plan):
    from benchmarks import seed
    from members.models import Member
    from members.roles import TREASURER

    client.force_login(seed.staff("treasurer@example.org", TREASURER))
    lapsed = Member.objects.get(pk=seed.members(1, first=900)[0])
    long_ago = datetime.date.today() - datetime.timedelta(days=765)
    lapsed.terms.update(start=long_ago, end=long_ago + datetime.timedelta(days=365))
    today = datetime.date.today().isoformat()
    data = {"plan": plan.pk, "method": "cheque", "amount": "60", "received_on": today, "reference": "Cheque 321"}
    _ok(client.post(f"/manage/members/{lapsed.pk}/payments/new/", data))
    assert lapsed.in_good_standing(), "the cheque makes the lapsed member active"
    return lapsed


def rsvp_and_waitlist(client, people):
    from benchmarks import seed
    from events import invitations
    from events.models import RSVP
    from members.roles import ORGANISER

    event = seed.event("one-seat-forum", capacity=1, members_only=True, starts_in_days=1)
    organiser = seed.staff("organiser@example.org", ORGANISER)
    event.organisers.add(organiser)
    invitations.invite(event=event, segment="good_standing", by=organiser)
    first, second = (RSVP.objects.get(event=event, email=person.user.email) for person in people)
    for rsvp, answer in ((first, "yes"), (second, "yes"), (first, "no")):
        _ok(client.post(f"/r/{rsvp.token}/", {"answer": answer, "guests": "0"}))
    second.refresh_from_db()
    assert second.status == RSVP.Status.YES, "the waitlisted member is promoted"


def renewal_reminders(plan):
    """A member whose term ends in a week, then one pass of every due reminder."""
    from django.utils import timezone

    from benchmarks import seed
    from members.models import Member
    from notifications import registry

    ending = Member.objects.get(pk=seed.members(1, first=901)[0])
    start = timezone.localdate() - datetime.timedelta(days=358)
    ending.terms.all().delete()
    ending.terms.create(plan=plan, start=start, end=start + datetime.timedelta(days=365))
    for due in registry.reminder_sources.values():
        due(timezone.now())


def unsubscribe(client) -> None:
    """Unsubscribe from reminders with a reminder's own link, then run the reminders again."""
    from django.core import mail
    from django.utils import timezone

    from notifications import registry
    from notifications.models import Preference

    reminders = [m for m in mail.outbox if "membership" in m.subject.lower() and "/u/" in m.body]
    assert reminders, "a renewal reminder with an unsubscribe link"
    token = re.search(r"https?://[^\s]+/u/([^/\s]+)/", reminders[0].body).group(1)
    _ok(client.post(f"/u/{token}/"))
    assert not Preference.objects.get(email=reminders[0].to[0]).reminders, "the choice is recorded"
    for due in registry.reminder_sources.values():
        due(timezone.now())


def links(site: str) -> list[str]:
    from django.core import mail

    found = set()
    for message in mail.outbox:
        bodies = [message.body]
        for content, mimetype in getattr(message, "alternatives", []):
            # A calendar part folds its lines at 75 octets (RFC 5545): unfold before reading links.
            bodies.append(re.sub(r"\r?\n[ \t]", "", content) if mimetype.startswith("text/calendar") else content)
        for body in bodies:
            found |= {url.rstrip(".,;") for url in LINK.findall(body.replace("&amp;", "&"))}
    ours = {urlsplit(site).netloc, "testserver"}
    return sorted(url for url in found if urlsplit(url).netloc in ours)


def snapshot() -> dict[str, str]:
    """A digest of every table's rows."""
    from django.db import connection

    digests = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table in NOT_STATE:
                continue
            cursor.execute(f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{table}\" t")
            digests[table] = cursor.fetchone()[0]
    return digests


def scan(site: str, url: str) -> list[int]:
    """GET (redirects followed, on this site only) and HEAD, with no cookies: the statuses."""
    url = site + urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")
    statuses = []
    for method in ("GET", "HEAD"):
        target = url
        for _ in range(5):
            status, headers, _ = harness.open_once(target, method=method, headers={"User-Agent": "LinkScanner/1.0"})
            statuses.append(status)
            location = headers.get("Location") if status in (301, 302, 303, 307, 308) else None
            if not location or urlsplit(urljoin(target, location)).netloc != urlsplit(site).netloc:
                break
            target = urljoin(target, location)
    return statuses


def main() -> int:
    started = time.monotonic()
    url = harness.database_url("soak_scanner")
    env = harness.product_env(
        database_url=url, redis_url=harness.redis_url(7), port=PORT, DEBUG="true", STRIPE_WEBHOOK_SECRET=""
    )
    template = harness.migrated_template(env)
    harness.create_database(url, template=template)
    harness.drop_database(template)
    harness.setup_django(env)
    from django.conf import settings
    from django.db import connections

    from config.celery import app

    app.conf.task_always_eager = True  # the journeys' emails are sent inline, into the kept outbox
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    try:
        journeys(settings.SITE_URL)
        from django.core import mail

        emails, found = len(mail.outbox), links(settings.SITE_URL)
        kinds = sorted({m.subject.split("]")[-1].strip()[:40] for m in mail.outbox})
        before = snapshot()
        connections.close_all()
        with harness.Server(env, port=PORT, workers=2, name="scanner") as server:
            statuses = [status for link in found for status in scan(server.url, link)]
            logged = server.server_errors()
        after = snapshot()
    finally:
        connections.close_all()
        harness.drop_database(url)
        harness.flush_redis(7)
    changed = sorted(table for table in before if before[table] != after.get(table))
    errors = sum(1 for s in statuses if s >= 500) + logged
    unsubscribe_links = sum(1 for link in found if "/u/" in link)
    broken = statuses.count(404)  # every link in these emails is a real one: none may lead nowhere
    ok = not changed and errors == 0 and broken == 0 and emails > 0 and found
    print(
        f"{'ok  ' if ok else 'FAIL'} scanner: {emails} emails from the journeys, {len(found)} distinct links to the "
        f"site ({unsubscribe_links} unsubscribe), {len(statuses)} GET and HEAD requests: state changes "
        f"{len(changed)}{' ' + str(changed) if changed else ''}, server errors {errors}, broken links {broken}; "
        f"statuses {dict(sorted({s: statuses.count(s) for s in set(statuses)}.items()))}; "
        f"{time.monotonic() - started:.0f} s",
        flush=True,
    )
    print(f"     emails: {'; '.join(kinds)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
