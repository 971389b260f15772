"""Fault test: Stripe sends money that is not what was asked, among money that is.

    .venv/bin/python benchmarks/soak_money.py

A real gunicorn server and a real Celery worker (`-Q default`, 4 processes) on PostgreSQL and
a Redis of its own. 300 good money events: one-time checkouts completed for the amount asked, first
subscription invoices (`subscription_create`, with the subscription checkout that started them)
and yearly invoices (`subscription_cycle`) for the member's own subscription. 300 wrong ones,
each for a member of its own whose only event it is, each signed with the right secret: less
than asked, another currency, another member's or an unknown customer, an unrelated
subscription, another Checkout Session's id or metadata, and an older API version. Every event
is delivered twice, the copy at a random later point, from 16 threads.

Counts: terms granted by a wrong event, good events applied twice or not at all, wrong money not
in the treasurer's review queue exactly once, wrong API versions not refused. Prints one line
and a table by kind; exits 1 when a count is wrong.
"""

import collections
import contextlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness

PORT = 8116
# A Redis of the test's own: a worker takes every nudge in its Redis database, and one that
# another test's worker took would be looked for in that test's database and never applied here.
REDIS_PORT = 6391
OLD_API_VERSION = "2024-06-20"
DAY = 86400
GOOD = {"good: checkout paid": 100, "good: first invoice": 100, "good: yearly invoice": 100}
WRONG = {
    "checkout: less than asked": 22,
    "checkout: another currency": 22,
    "checkout: another member's customer": 22,
    "checkout: unknown customer": 22,
    "checkout: another session's id": 22,
    "checkout: another checkout's metadata": 22,
    "checkout: unknown session": 22,
    "invoice: less than asked": 22,
    "invoice: another currency": 22,
    "invoice: another member's customer": 22,
    "invoice: unknown customer": 22,
    "invoice: unrelated subscription": 22,
    "old API version: checkout": 18,
    "old API version: invoice": 18,
}
REFUSED = {kind for kind in WRONG if kind.startswith("old API")}
BORROWED = {"checkout: another session's id", "checkout: another checkout's metadata"}
COMPANION = "good: its subscription checkout"  # completes a first invoice's checkout; moves no money
FAULTS = (  # each must be 0
    "terms granted by a wrong event",
    "payments for a wrong event",
    "wrong member's Stripe links changed",
    "receipts to wrong members",
    "wrong not held once",
    "not refused",
    "refused but recorded",
    "good applied twice",
    "good not applied",
    "good held",
    "good term not extended",
    "first invoice's checkout not linked",
    "good receipts not one each",
    "answered wrongly",
    "left waiting",
    "server errors",
    "worker errors",
)


class Plan:
    """The events to send, what each is, and whom each is about."""

    def __init__(self):
        self.events = []  # (kind, event)
        self.money = {}  # event id -> (kind, Stripe object id, member id)
        self.good_members, self.wrong_members = set(), set()

    def add(self, kind: str, event: dict, member_id: int | None = None) -> None:
        self.events.append((kind, event))
        if member_id is not None:
            self.money[event["id"]] = (kind, event["data"]["object"]["id"], member_id)
            (self.good_members if kind in GOOD else self.wrong_members).add(member_id)


def _checkouts(members: list, regular, *, auto_renew: bool) -> list:
    from members.models import Checkout
    from tests.members import stripe_payloads as sp

    rows = [
        Checkout(
            member=m,
            plan=regular,
            amount_cents=6000,
            currency="USD",
            auto_renew=auto_renew,
            stripe_session_id=sp._id("cs"),
        )
        for m in members
    ]
    return Checkout.objects.bulk_create(rows)


def _invoice(member, meta: dict, *, reason: str = "subscription_cycle", **changes) -> dict:
    from tests.members import stripe_payloads as sp

    now = int(time.time())
    invoice = sp.invoice(
        customer=changes.pop("customer", member.stripe_customer_id),
        subscription=changes.pop("subscription", f"sub_money{member.pk}"),
        meta=meta,
        amount=changes.pop("amount", 6000),
        period_start=now - 3600,
        period_end=now - 3600 + 365 * DAY,
        billing_reason=reason,
    )
    invoice.update(changes)
    return invoice


def _renewal_meta(member, regular) -> dict:
    return {"member_id": str(member.pk), "plan_id": str(regular.pk), "purpose": "renewal"}


def plan_events(member_ids: list[int], rng: random.Random) -> Plan:
    """Give every member a Stripe customer and the events of their kind. The members of the
    wrong events have their own subscription too, so only the event's fault can refuse it."""
    from benchmarks import seed
    from members.models import Member
    from tests.members import stripe_payloads as sp

    regular = seed.plan()
    for member_id in member_ids:
        Member.objects.filter(pk=member_id).update(stripe_customer_id=f"cus_money{member_id}")
    people = iter(Member.objects.filter(pk__in=member_ids).select_related("user").order_by("pk"))
    plan = Plan()

    def take(count: int, *, subscribed: bool = False) -> list:
        taken = [next(people) for _ in range(count)]
        for member in taken if subscribed else ():
            member.stripe_subscription_id, member.auto_renew = f"sub_money{member.pk}", True
            Member.objects.filter(pk=member.pk).update(
                stripe_subscription_id=member.stripe_subscription_id, auto_renew=True
            )
        return taken

    paid_once = take(GOOD["good: checkout paid"])
    for checkout in _checkouts(paid_once, regular, auto_renew=False):
        session = sp.checkout_session(checkout, customer=checkout.member.stripe_customer_id)
        plan.add("good: checkout paid", sp.event("checkout.session.completed", session), checkout.member_id)

    for checkout in _checkouts(take(GOOD["good: first invoice"]), regular, auto_renew=True):
        member = checkout.member
        invoice = _invoice(member, sp.metadata(checkout), reason="subscription_create")
        session = sp.checkout_session(
            checkout, customer=member.stripe_customer_id, subscription=f"sub_money{member.pk}", invoice=invoice["id"]
        )
        plan.add("good: first invoice", sp.event("invoice.paid", invoice), member.pk)
        plan.add(COMPANION, sp.event("checkout.session.completed", session))

    renewing = take(GOOD["good: yearly invoice"], subscribed=True)
    for checkout in _checkouts(renewing, regular, auto_renew=True):  # the checkout that started each subscription
        invoice = _invoice(checkout.member, sp.metadata(checkout))
        plan.add("good: yearly invoice", sp.event("invoice.paid", invoice), checkout.member_id)

    good_customers = [m.stripe_customer_id for m in paid_once + renewing]
    for kind, count in WRONG.items():
        members = take(count, subscribed=True)
        # Checkouts of other members, started and never paid: their sessions and metadata.
        abandoned = _checkouts(take(count), regular, auto_renew=False) if kind in BORROWED else []
        plan.wrong_members.update(c.member_id for c in abandoned)
        for n, checkout in enumerate(_checkouts(members, regular, auto_renew=False)):
            event, about = _wrong(kind, n, checkout, abandoned, rng.choice(good_customers), regular)
            plan.add(kind, event, about)
            plan.wrong_members.add(checkout.member_id)
    return plan


def _wrong(kind: str, n: int, checkout, abandoned: list, other_customer: str, regular) -> tuple[dict, int]:
    """One wrong event of `kind` for `checkout`'s member: (the event, the member the money names)."""
    from tests.members import stripe_payloads as sp

    member = checkout.member
    if kind.startswith("invoice") or kind == "old API version: invoice":
        reason = ("subscription_create", "subscription_cycle")[n % 2]
        invoice = _wrong_invoice(kind, member, _renewal_meta(member, regular), reason, other_customer)
        event, about = sp.event("invoice.paid", invoice), member.pk
    else:
        session, about = _wrong_session(kind, n, checkout, abandoned, other_customer)
        event = sp.event("checkout.session.completed", session)
    if kind in REFUSED:
        event["api_version"] = OLD_API_VERSION
    return event, about


def _wrong_session(kind: str, n: int, checkout, abandoned: list, other_customer: str) -> tuple[dict, int]:
    from tests.members import stripe_payloads as sp

    member = checkout.member
    session = sp.checkout_session(checkout, customer=member.stripe_customer_id)
    if kind == "checkout: less than asked":
        session.update(amount_total=4500, amount_subtotal=4500)
    elif kind == "checkout: another currency":
        session.update(currency="eur")
    elif kind == "checkout: another member's customer":
        session.update(customer=other_customer)
    elif kind == "checkout: unknown customer":
        session.update(customer=f"cus_money_unknown{member.pk}")
    elif kind == "checkout: another session's id":  # the session of another member's abandoned checkout
        session.update(id=abandoned[n].stripe_session_id)
    elif kind == "checkout: another checkout's metadata":  # this session, naming another member's checkout
        session.update(metadata=sp.metadata(abandoned[n]), client_reference_id=str(abandoned[n].member_id))
        return session, abandoned[n].member_id
    elif kind == "checkout: unknown session":
        session.update(id=sp._id("cs"))
    return session, member.pk  # the old API version's checkout is otherwise right


def _wrong_invoice(kind: str, member, meta: dict, reason: str, other_customer: str) -> dict:
    if kind == "invoice: less than asked":
        invoice = _invoice(member, meta, reason=reason, amount=3000)
    elif kind == "invoice: another currency":
        invoice = _invoice(member, meta, reason=reason, currency="eur")
    elif kind == "invoice: another member's customer":
        invoice = _invoice(member, meta, reason=reason, customer=other_customer)
    elif kind == "invoice: unknown customer":
        invoice = _invoice(member, meta, reason=reason, customer=f"cus_money_unknown{member.pk}")
    elif kind == "invoice: unrelated subscription":
        invoice = _invoice(member, meta, reason=reason, subscription=f"sub_money_unrelated{member.pk}")
    else:  # the shape of an older API version: the subscription on the invoice itself, no `parent`
        invoice = _invoice(member, meta, reason=reason)
        invoice["subscription"] = invoice.pop("parent")["subscription_details"]["subscription"]
    return invoice


def schedule(events: list[tuple[str, dict]], rng: random.Random) -> list[tuple[str, dict, int]]:
    """Every event twice, in a shuffled order where each second copy comes at a random later point."""
    slots = []
    for kind, event in events:
        first, second = sorted((rng.random(), rng.random()))
        slots += [(first, kind, event, 1), (second, kind, event, 2)]
    return [(kind, event, copy) for _, kind, event, copy in sorted(slots, key=lambda slot: slot[0])]


def deliver(url: str, kind: str, event: dict, copy: int) -> tuple[str, str, int, int, str]:
    """POST one delivery, signed now as Stripe signs each attempt: (kind, event id, copy, status, outcome)."""
    from tests.members import stripe_payloads as sp

    body = json.dumps(event)
    headers = {"Content-Type": "application/json", "Stripe-Signature": sp.sign(body, secret=harness.WEBHOOK_SECRET)}
    status, _, reply = harness.open_once(url, method="POST", data=body.encode(), headers=headers)
    outcome = json.loads(reply).get("outcome", "") if status == 200 else ""
    return kind, event["id"], copy, status, outcome


@contextlib.contextmanager
def own_redis(folder: Path):
    """redis-server on REDIS_PORT, no persistence, until the `with` block ends."""
    import redis

    command = ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--dir", str(folder)]
    process = subprocess.Popen([*command, "--save", "", "--appendonly", "no", "--logfile", str(folder / "redis.log")])
    try:
        deadline = time.monotonic() + 10
        while not _answers(redis.Redis(port=REDIS_PORT, socket_timeout=1)):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"redis-server did not start on port {REDIS_PORT}; see {folder / 'redis.log'}")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{REDIS_PORT}/0"
    finally:
        process.terminate()
        process.wait(timeout=30)


def _answers(client) -> bool:
    with contextlib.suppress(Exception):
        return bool(client.ping())
    return False


def worker(env: dict, folder: Path) -> subprocess.Popen:
    """The `default` worker, as the Procfile starts it but with 4 processes (more than the 2 CPUs,
    so that events of one moment are applied at once): it applies each event the webhook recorded."""
    log = (folder / "worker.log").open("ab")
    command = [str(harness.BIN / "celery"), "-A", "config", "worker", "-Q", "default", "--concurrency", "4"]
    command += ["-n", "money@%h", "--without-gossip", "--without-mingle", "--loglevel", "WARNING"]
    return subprocess.Popen(command, cwd=harness.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_until_applied(expected: int, *, deadline: float) -> int:
    """Seconds until the worker has applied every recorded event (or the deadline passed)."""
    from members.models import StripeEvent

    started = time.monotonic()
    while time.monotonic() < started + deadline:
        recorded = StripeEvent.objects.count()
        if recorded >= expected and not StripeEvent.objects.filter(processed_at=None).exists():
            break
        time.sleep(0.5)
    return round(time.monotonic() - started)


def snapshot(member_ids) -> dict:
    """Each member's terms (count, last end) and Stripe links, to compare before and after."""
    from django.db.models import Count, Max

    from members.models import Member

    rows = Member.objects.filter(pk__in=member_ids).annotate(term_count=Count("terms"), last=Max("terms__end"))
    return {
        m.pk: (m.term_count, m.last, m.stripe_customer_id, m.stripe_subscription_id, m.auto_renew)
        for m in rows.only("pk", "stripe_customer_id", "stripe_subscription_id", "auto_renew")
    }


def count(plan: Plan, results: list[tuple], before: dict) -> tuple[dict, list[tuple]]:
    """The faults found, and one row per kind: (kind, events, answers, payments, new terms, held, refused)."""
    from django.db.models import Q

    from members.models import Checkout, Payment, RefusedWebhook, StripeEvent, UnappliedMoney
    from notifications.models import Delivery

    after = snapshot(before)
    objects = {object_id for _, object_id, _ in plan.money.values()}
    paid = collections.Counter()
    for session, invoice in Payment.objects.filter(
        Q(stripe_checkout_session_id__in=objects) | Q(stripe_invoice_id__in=objects)
    ).values_list("stripe_checkout_session_id", "stripe_invoice_id"):
        paid[session or invoice] += 1
    held = collections.defaultdict(list)
    for object_id, member_id in UnappliedMoney.objects.values_list("stripe_object_id", "member_id"):
        held[object_id].append(member_id)
    refused = set(RefusedWebhook.objects.values_list("event_id", flat=True))
    recorded = set(StripeEvent.objects.values_list("event_id", flat=True))
    answers = collections.defaultdict(list)
    for _, event_id, _, status, outcome in results:
        answers[event_id].append(outcome or str(status))

    def new_terms(member_id: int) -> int:
        return after[member_id][0] - before[member_id][0]

    faults = dict.fromkeys(FAULTS, 0)
    rows = collections.defaultdict(lambda: collections.Counter())
    for kind, event in plan.events:
        row, event_id = rows[kind], event["id"]
        row["events"] += 1
        row.update(answers[event_id])
        if kind in REFUSED:
            faults["not refused"] += answers[event_id] != ["400", "400"] or event_id not in refused
            faults["refused but recorded"] += event_id in recorded
        elif sorted(answers[event_id]) != ["duplicate", "queued"]:
            faults["answered wrongly"] += 1
        if event_id not in plan.money:
            continue
        _, object_id, member_id = plan.money[event_id]
        row["payments"] += paid[object_id]
        row["new terms"] += new_terms(member_id)
        row["held"] += len(held[object_id])
        row["refused"] += event_id in refused
        if kind in GOOD:
            faults["good applied twice"] += paid[object_id] > 1 or new_terms(member_id) > 1
            faults["good not applied"] += paid[object_id] == 0 or new_terms(member_id) == 0
            faults["good held"] += bool(held[object_id])
        elif kind not in REFUSED:
            faults["wrong not held once"] += held[object_id] != [member_id]
    for member_id in plan.wrong_members:
        granted = max(new_terms(member_id), after[member_id][1] != before[member_id][1])
        faults["terms granted by a wrong event"] += granted
        faults["wrong member's Stripe links changed"] += after[member_id][2:] != before[member_id][2:]
    faults["payments for a wrong event"] = sum(
        paid[object_id] for kind, object_id, _ in plan.money.values() if kind not in GOOD
    )
    for member_id in plan.good_members:
        faults["good term not extended"] += not after[member_id][1] or (
            before[member_id][1] is not None and after[member_id][1] <= before[member_id][1]
        )
    joined = Checkout.objects.filter(member__in=plan.good_members, auto_renew=True, stripe_invoice_id__gt="")
    faults["first invoice's checkout not linked"] = GOOD["good: first invoice"] - joined.exclude(payment=None).count()
    faults["left waiting"] = StripeEvent.objects.filter(processed_at=None).count()
    receipts = Delivery.objects.filter(kind__in=["receipt", "renewal-receipt"])
    faults["receipts to wrong members"] = receipts.filter(user__member__in=plan.wrong_members).count()
    good_receipts = receipts.filter(user__member__in=plan.good_members).count()
    faults["good receipts not one each"] = abs(good_receipts - len(plan.good_members))
    table = [
        (
            kind,
            *[row[key] for key in ("events", "queued", "duplicate", "400", "payments", "new terms", "held", "refused")],
        )
        for kind, row in rows.items()
    ]
    return faults, table


def render(table: list[tuple]) -> str:
    head = ("kind", "events", "queued", "repeat", "400", "paid", "terms", "held", "refused")
    width = max(len(row[0]) for row in table)
    lines = [f"{head[0]:<{width}}" + "".join(f"{cell:>8}" for cell in head[1:])]
    lines += [f"{row[0]:<{width}}" + "".join(f"{cell:>8}" for cell in row[1:]) for row in table]
    return "\n".join("     " + line for line in lines)


def main() -> int:
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="societas-soak-money-"))
    url = harness.database_url("soak_money")
    with own_redis(folder) as redis_url:
        env = harness.product_env(database_url=url, redis_url=redis_url, port=PORT, var_dir=str(folder))
        template = harness.migrated_template(env)
        harness.create_database(url, template=template)
        harness.drop_database(template)
        harness.setup_django(env)
        from django.db import connections

        from benchmarks import seed

        rng = random.Random(600)
        applying = None
        try:
            borrowed = sum(WRONG[kind] for kind in BORROWED)
            member_ids = seed.members(sum(GOOD.values()) + sum(WRONG.values()) + borrowed)
            plan = plan_events(member_ids, rng)
            before = snapshot(member_ids)
            deliveries = schedule(plan.events, rng)
            applying = worker(env, folder)
            with harness.Server(env, port=PORT, workers=2, threads=8, name="money") as server:
                endpoint = f"{server.url}/stripe/webhook/"
                sending = time.monotonic()
                with ThreadPoolExecutor(max_workers=16) as pool:
                    results = list(pool.map(lambda delivery: deliver(endpoint, *delivery), deliveries))
                delivered_in = time.monotonic() - sending
                server_errors = server.server_errors()
            expected = sum(1 for kind, _ in plan.events if kind not in REFUSED)
            applied_in = wait_until_applied(expected, deadline=90)
            faults, table = count(plan, results, before)
        finally:
            if applying is not None:
                applying.terminate()
                applying.wait(timeout=60)
            connections.close_all()
            harness.drop_database(url)
    worker_errors = (folder / "worker.log").read_text(errors="replace").count("Traceback (most recent call last)")
    faults["server errors"], faults["worker errors"] = server_errors, worker_errors
    ok = not any(faults.values())
    good, wrong = sum(GOOD.values()), sum(WRONG.values())
    found = ", ".join(f"{name} {value}" for name, value in faults.items())
    print(
        f"{'ok  ' if ok else 'FAIL'} wrong money: {good} good and {wrong} wrong money events signed right "
        f"(and {GOOD['good: first invoice']} subscription checkouts), each delivered twice, the copy later, "
        f"from 16 threads; applied by a real worker {applied_in} s after the last of {len(results)} deliveries "
        f"({delivered_in:.0f} s): {found}; "
        f"{time.monotonic() - started:.0f} s",
        flush=True,
    )
    print(render(table), flush=True)
    if ok:
        shutil.rmtree(folder, ignore_errors=True)
    else:
        print(f"     logs kept in {folder}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
