"""B8: the board's numbers on /manage/ at 20,000 members ÷ at 200, in-process.

Two databases alike but for the number of members (70% active, 10% in grace, 15% lapsed,
5% pending, as `benchmarks.seed.members` makes them, three in ten with an earlier term they
renewed, a promise to pay and a failed charge for one in a hundred), each copied from a
migrated template next to DATABASE_URL's and dropped at the end. One Django process with
DEBUG off renders the page through the test client (every middleware, the session, the
template), signed in as a treasurer, switching its database between the two in alternate
rounds so that a change in the machine's load hits both alike.

    B8  /manage/ (treasurer) at 20,000 members ÷ at 200   goal ≥ 0.8, the same queries

It also times the two chart images. It prints the figures and writes them into
benchmarks/README.md. Run:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/societas .venv/bin/python benchmarks/dashboard.py
"""

import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness

SIZES = (200, 20_000)
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
RENDERS = int(os.environ.get("BENCH_RENDERS", "20"))  # requests per side per round
GOAL = 0.8
PAGES = {"board": "/manage/", "members chart": "/manage/board/members.svg", "money chart": "/manage/board/money.svg"}
START, END = "<!-- dashboard-bench:start -->", "<!-- dashboard-bench:end -->"


def use_database(url: str) -> None:
    """Point this process's default connection at another database (closing the old one)."""
    from django.conf import settings
    from django.db import connections

    connections.close_all()
    name = urlsplit(url).path.lstrip("/")
    settings.DATABASES["default"]["NAME"] = name
    connections["default"].settings_dict["NAME"] = name


def fill(count: int):
    """A treasurer and `count` members with their terms and payments; a signed-in client."""
    from django.test import Client

    from benchmarks import seed
    from members.roles import TREASURER

    treasurer = seed.staff("treasurer@example.org", TREASURER)
    ids = seed.members(count)
    _renewals_and_arrears(ids)
    seed.analyze()
    client = Client()
    client.force_login(treasurer)
    return client


def _renewals_and_arrears(ids: list[int]) -> None:
    """An earlier year for three members in ten (their current term renewed it), and a
    promise to pay and a failed card charge for one in a hundred."""
    from django.utils import timezone

    from members.models import FailedPayment, MembershipTerm, Payment, PaymentPromise

    rng = random.Random(8)
    terms = list(MembershipTerm.objects.filter(member_id__in=ids).select_related("plan"))
    earlier = [term for term in terms if rng.random() < 0.3]
    payments = Payment.objects.bulk_create(
        Payment(
            member_id=term.member_id,
            plan=term.plan,
            amount_cents=6000,
            method=Payment.Method.CHEQUE,
            received_on=term.start - datetime.timedelta(days=365),
            receipt_number=f"E-{term.member_id:07d}",
        )
        for term in earlier
    )
    MembershipTerm.objects.bulk_create(
        MembershipTerm(
            member_id=term.member_id,
            plan=term.plan,
            start=payment.received_on,
            end=term.start - datetime.timedelta(days=1),
            payment=payment,
        )
        for term, payment in zip(earlier, payments, strict=True)
    )
    now, plan = timezone.now(), terms[0].plan
    few = ids[::100]
    PaymentPromise.objects.bulk_create(
        PaymentPromise(member_id=pk, plan=plan, amount_cents=6000, currency="USD", method="cheque") for pk in few
    )
    FailedPayment.objects.bulk_create(
        FailedPayment(
            member_id=pk,
            stripe_invoice_id=f"in_bench{pk}",
            amount_cents=6000,
            currency="USD",
            first_failed_at=now,
            last_failed_at=now,
        )
        for pk in few
    )


def queries(client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200, path
    return len(captured)


def per_second(client, path: str, renders: int) -> float:
    started = time.perf_counter()
    for _ in range(renders):
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    return renders / (time.perf_counter() - started)


def query_times(sides: dict, path: str = "/manage/", repeats: int = 5) -> list[tuple[float, float, str]]:
    """Each query of `path` run again `repeats` times at each size: [(median ms at the
    smallest size, at the largest, the SQL)], slowest at the largest size first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = {}
    for size, (url, client) in sides.items():
        use_database(url)
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        with connection.cursor() as cursor:
            for n, query in enumerate(captured.captured_queries):
                runs = []
                for _ in range(repeats):
                    started = time.perf_counter()
                    cursor.execute(query["sql"])
                    cursor.fetchall()
                    runs.append((time.perf_counter() - started) * 1000)
                times.setdefault(n, {"sql": query["sql"]})[size] = statistics.median(runs)
    small, large = SIZES
    rows = [(t.get(small, 0.0), t.get(large, 0.0), t["sql"]) for t in times.values()]
    return sorted(rows, key=lambda row: -row[1])


def measure(sides: dict) -> dict:
    """{(size, page): [requests per second in each round]}, the sizes alternating."""
    rates = {(size, page): [] for size in sides for page in PAGES}
    for url, client in sides.values():  # warm-up: connections, templates, plans
        use_database(url)
        for path in PAGES.values():
            per_second(client, path, 3)
    for _round in range(ROUNDS):
        for size, (url, client) in sides.items():
            use_database(url)
            for page, path in PAGES.items():
                rates[(size, page)].append(per_second(client, path, RENDERS))
    return rates


def report(rates: dict, counts: dict, when: str, machine: str, seconds: float) -> str:
    small, large = SIZES
    lines = [
        f"Last run: {when}, {seconds:.0f} s in all. Machine: {machine} (at the end: load average "
        f"{', '.join(f'{n:.2f}' for n in os.getloadavg())}). In-process, Django's test client, DEBUG off, "
        f"PostgreSQL; {ROUNDS} rounds of {RENDERS} requests per side after a warm-up, the sizes alternating.",
        "",
        f"| page | req/s at {large:,} members | req/s at {small:,} | ratio | queries ({small:,} / {large:,}) |",
        "| --- | --- | --- | --- | --- |",
    ]
    met = True
    for page, path in PAGES.items():
        at_large, at_small = statistics.median(rates[(large, page)]), statistics.median(rates[(small, page)])
        same = counts[(small, page)] == counts[(large, page)]
        ratio = at_large / at_small
        if page == "board":
            met = ratio >= GOAL and same
        lines.append(
            f"| `{path}` | {at_large:.1f} | {at_small:.1f} | {ratio:.2f} | "
            f"{counts[(small, page)]} / {counts[(large, page)]}{'' if same else ' (not the same)'} |"
        )
    lines += ["", f"B8 (the board, goal ≥ {GOAL} with the same queries): {'met' if met else '**not met**'}."]
    return "\n".join(lines)


def main() -> int:
    started = time.monotonic()
    urls = {size: harness.database_url(f"board_{size}") for size in SIZES}
    env = harness.product_env(database_url=urls[SIZES[0]], redis_url=None, port=8190)
    template = harness.migrated_template(env)
    for url in urls.values():
        harness.create_database(url, template=template)
    harness.setup_django(env)
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = harness.machine()
    try:
        sides = {}
        for size, url in urls.items():
            use_database(url)
            sides[size] = (url, fill(size))
            print(f"B8: {size:,} members seeded")
        counts = {}
        for size, (url, client) in sides.items():
            use_database(url)
            counts.update({(size, page): queries(client, path) for page, path in PAGES.items()})
        rates = measure(sides)
        slowest = query_times(sides)
    finally:
        from django.db import connections

        connections.close_all()
        for url in [*urls.values(), template]:
            harness.drop_database(url)
    text = report(rates, counts, when, machine, time.monotonic() - started)
    print(text)
    print(f"\nThe slowest queries of /manage/ (median ms of 5 runs at {SIZES[0]:,} and at {SIZES[1]:,} members):")
    for at_small, at_large, sql in slowest[:6]:
        print(f"  {at_small:6.1f} {at_large:6.1f}  {sql[:150]}")
    from benchmarks.web import write_readme

    write_readme(text, start=START, end=END)
    return 0 if all(counts[(SIZES[0], page)] == counts[(SIZES[1], page)] for page in PAGES) else 1


if __name__ == "__main__":
    sys.exit(main())
