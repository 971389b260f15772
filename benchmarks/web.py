"""`make bench`: the web benchmarks, each a ratio to a baseline measured in the same run.

gunicorn with sync workers (the same number for both sides of every ratio) serves the
product on PostgreSQL and Redis with DEBUG off; wrk is the load. Each ratio alternates
its two sides in short rounds, so a change in the machine's load hits both alike.

    B1  RSVP POST by link (/r/<token>/)                 ÷ a bare view doing one query   goal ≥ 0.35
    B2  a public event page                             ÷ the bare view                 goal ≥ 0.5
    B3  the treasurer's member list at 20,000 members  ÷ at 200 (same query count)     goal ≥ 0.8
    B5  a signed Stripe webhook, a new event each time  ÷ a bare POST view              goal ≥ 0.4
    B6  RSVPs on one event                              ÷ the same load over 200 events goal ≥ 0.8
    B7  p99 of RSVP POSTs to an event while a 10,000-invitation fan-out to it runs
        (real workers fanning out, composing and sending)  ÷ p99 with none        goal ≤ 2, none over 1 s
    B10 starting a ticket checkout (seat hold, Stripe at the HTTP edge) ÷ the bare view
                                                        (benchmarks/web_tickets.py) goal ≥ 0.3

It prints the figures and writes them into benchmarks/README.md. Run: `make bench`;
`web.py B10` runs B10 alone and writes it in its own place in the README.
"""

import datetime
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness
from benchmarks import outbox as outbox_bench

PORT = int(os.environ.get("BENCH_PORT", "8101"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2)))
CONNECTIONS = 2 * WORKERS
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
WARM_SECONDS = 2
SLICE = 2500  # RSVPs or webhook bodies per round: more than one round can use
REDIS_DB = 5
README = Path(__file__).resolve().parent / "README.md"
WORK = Path(tempfile.mkdtemp(prefix="societas-bench-"))
IN_FLIGHT = "wrk does not count the requests still in flight when a round ends; the server does them all"


@dataclass
class Side:
    """One side of a ratio: what wrk requests in each round ('warm', 0, 1, …)."""

    label: str
    path: str
    requests: dict | None = None  # round -> [(method, path, headers, body)], for a wrk script
    server_url: str | None = None  # another server than the ratio's own (B3's two databases)

    def run(self, url: str, round_name, seconds: int) -> harness.Load:
        url = self.server_url or url
        script = None
        if self.requests is not None:
            name = f"{self.label.replace(' ', '-').replace('/', '')}-{round_name}.lua"
            script = harness.lua_script(WORK / name, self.requests[round_name])
        return harness.wrk(self.label, url + self.path, seconds=seconds, connections=CONNECTIONS, script=script)


@dataclass
class Figure:
    name: str
    what: str
    goal: float
    target: list[harness.Load]
    baseline: list[harness.Load]
    note: str = ""
    warm: list[harness.Load] = field(default_factory=list)  # [baseline, target]

    @property
    def target_requests(self) -> int:
        """Every request the target side got, its warm-up included."""
        return sum(load.requests for load in self.target) + (self.warm[1].requests if self.warm else 0)

    @staticmethod
    def rate(loads: list[harness.Load]) -> float:
        return sum(load.requests_per_s for load in loads) / len(loads)

    @property
    def ratio(self) -> float:
        return self.rate(self.target) / self.rate(self.baseline)

    @property
    def bad(self) -> int:
        return sum(load.bad_responses for load in self.target + self.baseline)

    @property
    def met(self) -> bool:
        return self.ratio >= self.goal and self.bad == 0


def compare(server, name: str, what: str, goal: float, target: Side, baseline: Side) -> Figure:
    warm = [side.run(server.url, "warm", WARM_SECONDS) for side in (baseline, target)]
    loads = {"target": [], "baseline": []}
    for round_number in range(ROUNDS):
        loads["baseline"].append(baseline.run(server.url, round_number, SECONDS))
        loads["target"].append(target.run(server.url, round_number, SECONDS))
    figure = Figure(name, what, goal, loads["target"], loads["baseline"], warm=warm)
    print(f"{name}: {figure.rate(figure.target):.1f} ÷ {figure.rate(figure.baseline):.1f} req/s = {figure.ratio:.2f}")
    return figure


def by_round(items: list, make) -> dict:
    """Disjoint slices of `items` for the warm-up and each round, each turned into requests."""
    rounds = {"warm": items[:SLICE]}
    for number in range(ROUNDS):
        rounds[number] = items[SLICE * (number + 1) : SLICE * (number + 2)]
    return {key: [make(item) for item in chunk] for key, chunk in rounds.items()}


def rsvp_post(token: str) -> tuple:
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={harness.CSRF_TOKEN}"}
    return ("POST", f"/r/{token}/", headers, f"csrfmiddlewaretoken={harness.CSRF_TOKEN}&answer=yes&guests=0")


def rsvp_tokens(prefix: str, *, events: int, capacity: int) -> list[str]:
    """Invitations to `events` events, (ROUNDS + 1) slices in all, shuffled across the events."""
    from benchmarks import seed

    total = SLICE * (ROUNDS + 1)
    tokens = []
    for number in range(events):
        tokens += seed.invite(
            seed.event(f"{prefix}-{number}", capacity=capacity), total // events, prefix=f"{prefix}{number}-"
        )
    random.Random(6).shuffle(tokens)
    return tokens


# B1, B6 ---------------------------------------------------------------------------------


def rsvp_figures(server) -> list[Figure]:
    bare = Side("bare view, one query", "/bench/one-query/")
    spread = Side("RSVP POST, 200 events", "/", by_round(rsvp_tokens("b1", events=200, capacity=1000), rsvp_post))
    b1 = compare(server, "B1", "RSVP POST by link ÷ a bare view doing one query", 0.35, spread, bare)
    one = Side("RSVP POST, one event", "/", by_round(rsvp_tokens("b6one", events=1, capacity=100_000), rsvp_post))
    spread = Side("RSVP POST, 200 events", "/", by_round(rsvp_tokens("b6", events=200, capacity=1000), rsvp_post))
    b6 = compare(server, "B6", "RSVPs on one event ÷ the same load over 200 events", 0.8, one, spread)
    # B6's both sides post answers; B1's baseline is the bare view.
    posts = b1.target_requests + b6.target_requests + sum(load.requests for load in b6.baseline) + b6.warm[0].requests
    b1.note = (
        f"each POST is a new yes: {_answers_recorded()} yes answers recorded in B1 and B6 for the {posts} POSTs "
        f"wrk counted ({IN_FLIGHT})"
    )
    b6.note = f"answers per minute on one event: {b6.rate(b6.target) * 60:,.0f}"
    return [b1, b6]


def _answers_recorded() -> int:
    from events.models import RSVP

    return RSVP.objects.filter(status="yes").count()


# B2 -------------------------------------------------------------------------------------


def event_page_figure(server) -> Figure:
    from benchmarks import seed

    event = seed.event("annual-congress", capacity=300)
    seed.invite(event, 120, prefix="congress", status="yes")
    bare = Side("bare view, one query", "/bench/one-query/")
    page = Side("public event page", event.get_absolute_url())
    return compare(server, "B2", "a public event page ÷ the bare view", 0.5, page, bare)


# B3 -------------------------------------------------------------------------------------


def member_list_figure(server, env: dict, template: str) -> Figure:
    """Two databases and two servers alike but for the number of members, measured in
    alternate rounds like every other ratio."""
    from benchmarks import seed

    small_url = harness.database_url("web_small")
    harness.create_database(small_url, template=template)
    small_env = {**env, "DATABASE_URL": small_url, "SITE_URL": f"http://127.0.0.1:{PORT + 1}"}
    try:
        command = [sys.executable, "-m", "benchmarks.seed", "roster", "200"]
        made = harness.subprocess.run(command, cwd=harness.ROOT, env=small_env, capture_output=True, text=True)
        if made.returncode:
            raise RuntimeError(f"could not fill the 200-member database:\n{made.stderr}")
        small = json.loads(made.stdout)
        large = seed.roster(20_000)
        with harness.Server(small_env, port=PORT + 1, workers=WORKERS, name="bench-small") as small_server:
            figure = compare(
                server,
                "B3",
                "the treasurer's member list at 20,000 members ÷ at 200",
                0.8,
                _member_list_side("member list, 20,000 members", large["cookie"], server.url),
                _member_list_side("member list, 200 members", small["cookie"], small_server.url),
            )
    finally:
        harness.drop_database(small_url)
    figure.note = f"queries per page: {small['queries']} at 200 members, {large['queries']} at 20,000"
    if small["queries"] != large["queries"]:
        figure.goal = float("inf")  # not met: the query count grows with the members
    print(f"B3: {figure.note}")
    return figure


def _member_list_side(label: str, cookie: str, server_url: str) -> Side:
    request = ("GET", "/manage/members/", {"Cookie": cookie}, "")
    return Side(label, "/", {key: [request] for key in ["warm", *range(ROUNDS)]}, server_url=server_url)


# B5 -------------------------------------------------------------------------------------


def signed_invoice_paid(member_id: int, plan_id: int) -> tuple[str, str]:
    """A Stripe `invoice.paid` event for a new yearly charge, and its signature header."""
    from tests.members import stripe_payloads

    now = int(time.time())
    meta = {"member_id": str(member_id), "plan_id": str(plan_id)}
    invoice = stripe_payloads.invoice(
        customer=f"cus_bench{member_id}",
        subscription=f"sub_bench{member_id}",
        meta=meta,
        amount=6000,
        period_start=now - 60,
        period_end=now - 60 + 365 * 86400,
        billing_reason="subscription_cycle",
    )
    body = json.dumps(stripe_payloads.event("invoice.paid", invoice))
    return body, stripe_payloads.sign(body, secret=harness.WEBHOOK_SECRET, timestamp=now)


def webhook_figure(server) -> Figure:
    from benchmarks import seed
    from members.models import Member, Payment, StripeEvent

    # Signed now: Stripe's tolerance is 5 minutes and the whole figure takes well under one.
    member_ids = list(Member.objects.filter(member_number__isnull=False).values_list("pk", flat=True))
    random.Random(5).shuffle(member_ids)
    member_ids = member_ids[: SLICE * (ROUNDS + 1)]
    # Each member's own Stripe customer and subscription: money from anyone else is held for review.
    for member_id in member_ids:
        Member.objects.filter(pk=member_id).update(
            stripe_customer_id=f"cus_bench{member_id}", stripe_subscription_id=f"sub_bench{member_id}"
        )
    plan_id = seed.plan().pk
    bodies = [signed_invoice_paid(member_id, plan_id) for member_id in member_ids]
    payments_before = Payment.objects.count()

    def post(path):
        return lambda item: ("POST", path, {"Content-Type": "application/json", "Stripe-Signature": item[1]}, item[0])

    bare = Side("bare POST view", "/", by_round(bodies, post("/bench/post/")))
    webhook = Side("signed Stripe webhook", "/", by_round(bodies, post("/stripe/webhook/")))
    what = "a signed Stripe webhook (a new event each time) ÷ a bare POST view"
    figure = compare(server, "B5", what, 0.4, webhook, bare)
    recorded = StripeEvent.objects.count()
    # The webhook answers once the event is recorded; a worker applies it. Here this process
    # is the worker, after the measurement.
    from members import stripe_webhooks

    started = time.monotonic()
    while stripe_webhooks.process_waiting(limit=1000):
        pass
    applied_in = time.monotonic() - started
    paid = Payment.objects.count() - payments_before
    figure.note = (
        f"each delivery a new event: {recorded} events recorded for the {figure.target_requests} deliveries wrk "
        f"counted ({IN_FLIGHT}); then applied by the worker's function in {applied_in:.0f} s: {paid} payments with "
        f"their terms, {StripeEvent.objects.filter(processed_at=None).count()} left waiting"
    )
    return figure


# B7 -------------------------------------------------------------------------------------

INVITED = 10_000


@dataclass
class Latency(Figure):
    """A figure on latency: the target's p99 ÷ the baseline's, lower is better."""

    @property
    def ratio(self) -> float:
        return max(load.p99_ms for load in self.target) / max(load.p99_ms for load in self.baseline)

    @property
    def slowest_ms(self) -> float:
        return max(load.max_ms for load in self.target + self.baseline)

    @property
    def met(self) -> bool:
        return self.ratio <= self.goal and self.slowest_ms < 1000 and self.bad == 0


def fan_out_figure(server, env: dict) -> Figure:
    """RSVP POSTs to one event, alone and while 10,000 invitations to it are fanned out,
    composed and sent by real workers (started as the Procfile starts them)."""
    from benchmarks import seed
    from events import invitations
    from notifications.models import Delivery

    port = outbox_bench.free_port()
    sink = _sink(port)
    worker_env = {**env, "EMAIL_URL": f"smtp://127.0.0.1:{port}", "EMAIL_BACKEND": ""}
    workers = [_worker(worker_env, "default", 1), _worker(worker_env, "mail", 4)]
    alone, during = [], []
    try:
        outbox_bench.wait_for_workers()
        for round_number in range(ROUNDS):
            event = _b7_event(round_number)
            tokens = seed.invite(event, SLICE * 2, prefix=f"b7-{round_number}-")
            quiet = Side("RSVP POST, no fan-out", "/", {round_number: [rsvp_post(t) for t in tokens[:SLICE]]})
            busy = Side("RSVP POST, during the fan-out", "/", {round_number: [rsvp_post(t) for t in tokens[SLICE:]]})
            alone.append(quiet.run(server.url, round_number, SECONDS))
            emails = [[f"b7-{round_number}-invited{n}@example.org", ""] for n in range(INVITED)]
            invitations.invite(event=event, segment="emails", emails=emails, by=None)
            during.append(busy.run(server.url, round_number, SECONDS))
            _wait_until_sent(Delivery, (round_number + 1) * INVITED)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
        sink[1].set()
    what = f"p99 of RSVP POSTs to an event while a {INVITED:,}-invitation fan-out to it runs ÷ p99 with none"
    figure = Latency("B7", what, 2.0, during, alone)
    figure.note = (
        f"slowest request {figure.slowest_ms:.0f} ms (goal: none over 1 s); workers: `default` with 1 process "
        f"and `mail` with 4, both under `nice -n 10` as the Procfile runs them; "
        f"{sink[2].value:,} emails reached the SMTP server"
    )
    p99s = max(x.p99_ms for x in during), max(x.p99_ms for x in alone)
    print(f"B7: p99 {p99s[0]:.1f} ms ÷ {p99s[1]:.1f} ms = {figure.ratio:.2f}")
    return figure


def _b7_event(round_number: int):
    from benchmarks import seed

    return seed.event(f"b7-congress-{round_number}", capacity=100_000)


def _sink(port: int):
    import multiprocessing

    received, connections = multiprocessing.Value("l", 0), multiprocessing.Value("l", 0)
    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    process = multiprocessing.Process(
        target=outbox_bench.smtp_sink, args=(port, received, connections, ready, stop), daemon=True
    )
    process.start()
    ready.wait(10)
    return process, stop, received


def _worker(env: dict, queue: str, concurrency: int):
    command = ["nice", "-n", "10", sys.executable, "-m", "celery", "-A", "config", "worker", "--queues", queue]
    command += ["--concurrency", str(concurrency), "--without-gossip", "--without-mingle", "--loglevel", "WARNING"]
    command += ["--hostname", f"bench-{queue}@%h"]
    return harness.subprocess.Popen(command, cwd=harness.ROOT, env=env, start_new_session=True)


def _wait_until_sent(Delivery, count: int, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while Delivery.objects.filter(kind="event-invitation", status="sent").count() < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the invitations were not all sent within {seconds:.0f} s")
        time.sleep(1)


# Report -----------------------------------------------------------------------------------


def table(figures: list[Figure]) -> str:
    lines = [
        "| figure | what | req/s | baseline req/s | ratio | goal | met |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in figures:
        goal = f"≤ {f.goal}" if isinstance(f, Latency) else f"≥ {f.goal}"
        goal = "same queries" if f.goal == float("inf") else goal
        met = "yes" if f.met else ("no (error responses)" if f.bad else "**no**")
        lines.append(
            f"| {f.name} | {f.what} | {f.rate(f.target):.1f} | {f.rate(f.baseline):.1f} | "
            f"{f.ratio:.2f} | {goal} | {met} |"
        )
    lines.append("")
    lines += [f"- {f.name}: {f.note}" for f in figures if f.note]
    lines.append("")
    lines.append("Each side, each round (req/s, p50 / p99 latency):")
    lines.append("")
    for f in figures:
        for load in f.baseline + f.target:
            extra = f", {load.bad_responses} error responses" if load.bad_responses else ""
            lines.append(f"- {f.name} {load}{extra}")
    return "\n".join(lines)


def write_readme(text: str, *, start="<!-- web-bench:start -->", end="<!-- web-bench:end -->") -> None:
    """Replace what stands between the two markers in benchmarks/README.md (or add them at its end)."""
    readme = README.read_text() if README.exists() else ""
    if start in readme and end in readme:
        readme = readme[: readme.index(start) + len(start)] + "\n" + text + "\n" + readme[readme.index(end) :]
    else:
        readme += f"\n{start}\n{text}\n{end}\n"
    README.write_text(readme)


def only_b10(env: dict, when: str, machine: str) -> tuple[str, int]:
    from benchmarks import web_tickets

    figure, errors = web_tickets.checkout_figure(sys.modules[__name__], env)
    text = (
        f"Last run of B10 alone (`benchmarks/web.py B10`): {when}. Machine: {machine}. "
        f"gunicorn: {WORKERS} sync workers; wrk: 1 thread, {CONNECTIONS} connections; "
        f"{ROUNDS} rounds of {SECONDS} s per side after a {WARM_SECONDS} s warm-up.\n\n" + table([figure])
    )
    write_readme(text, start="<!-- web-bench-b10:start -->", end="<!-- web-bench-b10:end -->")
    return text, errors + figure.bad


def main() -> int:
    if sys.argv[1:] == ["B10"]:
        return main_b10()
    started = time.monotonic()
    url = harness.database_url("web")
    env = harness.product_env(database_url=url, redis_url=harness.redis_url(REDIS_DB), port=PORT)
    template = harness.migrated_template(env)
    harness.create_database(url, template=template)
    harness.setup_django(env)
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine_before = harness.machine()
    try:
        with harness.Server(env, port=PORT, workers=WORKERS, name="bench") as server:
            figures = rsvp_figures(server)
            figures.insert(1, event_page_figure(server))
            figures.insert(2, member_list_figure(server, env, template))
            figures.insert(3, webhook_figure(server))
            figures.append(fan_out_figure(server, env))
            errors = server.server_errors()
        from benchmarks import web_tickets

        b10, b10_errors = web_tickets.checkout_figure(sys.modules[__name__], env)
        figures.append(b10)
        errors += b10_errors
    finally:
        from django.db import connections

        connections.close_all()
        harness.drop_database(url)
        harness.drop_database(template)
        harness.flush_redis(REDIS_DB)
    text = (
        f"Last run: {when}, {round(time.monotonic() - started)} s in all. Machine: {machine_before} "
        f"(at the end: load average {', '.join(f'{n:.2f}' for n in os.getloadavg())}). "
        f"gunicorn: {WORKERS} sync workers; wrk: 1 thread, {CONNECTIONS} connections; "
        f"{ROUNDS} rounds of {SECONDS} s per side after a {WARM_SECONDS} s warm-up. "
        f"Server errors logged: {errors}.\n\n" + table(figures)
    )
    print(text)
    write_readme(text)
    return 0 if errors == 0 and all(f.bad == 0 for f in figures) else 1


def main_b10() -> int:
    url = harness.database_url("web")
    env = harness.product_env(database_url=url, redis_url=harness.redis_url(REDIS_DB), port=PORT)
    template = harness.migrated_template(env)
    harness.create_database(url, template=template)
    harness.setup_django(env)
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    try:
        text, errors = only_b10(env, when, harness.machine())
    finally:
        from django.db import connections

        connections.close_all()
        harness.drop_database(url)
        harness.drop_database(template)
        harness.flush_redis(REDIS_DB)
    print(text)
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
