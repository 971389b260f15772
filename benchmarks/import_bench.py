"""B9: importing a 20,000-row member list: the dry run and the apply, in-process.

A database of its own, copied from a migrated template next to DATABASE_URL's
(`<name>_import_bench`, dropped at the end), with a treasurer, three plans and 500
members who joined online (numbers 1-500). A generated file in Wild Apricot's shape,
plus a member number and a last payment, 20,000 rows (a fifth without a member
number, a tenth of them already members so that they are updated, the rest new), goes
through the product's own functions: `importing.upload` (reading and checking the
file), `importing.check` (the dry run), `importing.start_apply`, then the worker's
function (`notifications.fanout.run_batch`, as the `run_fan_out` task calls it) batch
by batch in this process, sampling the resident memory after each batch. The same file
is then imported again (nothing changes), and the invitations to claim are queued
(the fan-out only: no mail is sent).

    B9  apply of 20,000 rows: goal under 60 s on this machine, memory flat

It prints the figures and writes them into benchmarks/README.md. Run:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/societas .venv/bin/python benchmarks/import_bench.py
"""

import datetime
import io
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "20000"))
EXISTING = 500
GOAL_SECONDS = 60
START, END = "<!-- import-bench:start -->", "<!-- import-bench:end -->"
HEADER = [
    "User ID", "Member number", "First name", "Last name", "Email", "Phone", "City", "Member since",
    "Renewal due", "Membership level", "Membership status", "Last payment amount", "Last payment date",
]  # fmt: skip


def rss_mb() -> float:
    """The resident memory of this process now, in MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def member_list(rows: int, *, today: datetime.date) -> bytes:
    """A Wild Apricot-shaped export: every tenth row someone already a member online."""
    import csv

    rng = random.Random(9)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    levels = ["Regular", "Regular", "Regular", "Student", "Lifetime"]
    for n in range(rows):
        existing = n % 10 == 0 and n // 10 < EXISTING
        email = f"online{n // 10}@example.org" if existing else f"person{n}@example.org"
        number = "" if n % 5 == 4 else str(n // 10 + 1 if existing else 1000 + n)
        since = today - datetime.timedelta(days=rng.randrange(60, 9000))
        due = today + datetime.timedelta(days=rng.randrange(-400, 365))
        paid = min(due - datetime.timedelta(days=365), today - datetime.timedelta(days=1))
        level = levels[n % len(levels)]
        writer.writerow([
            50000 + n, number, f"Given{n}", f"Family{n}", email, f"+44 20 7946 {n % 10000:04d}", "Leeds",
            since.isoformat(), "" if level == "Lifetime" else due.isoformat(), level, "Active",
            "60.00" if n % 3 == 0 else "", paid.isoformat() if n % 3 == 0 else "",
        ])  # fmt: skip
    return out.getvalue().encode("utf-8-sig")


def seed():
    from benchmarks import seed as seeding
    from members.models import Member, Plan, User
    from members.roles import TREASURER

    treasurer = seeding.staff("treasurer@example.org", TREASURER)
    Plan.objects.create(name="Regular member", slug="regular", amount_cents=6000)
    Plan.objects.create(name="Student", slug="student", amount_cents=2000)
    Plan.objects.create(name="Lifetime", slug="lifetime", amount_cents=90000, period=Plan.Period.LIFETIME)
    users = User.objects.bulk_create(User(email=f"online{n}@example.org", password="!") for n in range(EXISTING))
    Member.objects.bulk_create(Member(user=user, member_number=n + 1) for n, user in enumerate(users))
    seeding.analyze()
    return treasurer


def apply_in_process(job) -> tuple[float, list[float]]:
    """The worker's function, batch by batch; (seconds, resident MB after each batch)."""
    from members import import_apply
    from notifications import fanout
    from notifications.models import FanOut

    job_id = FanOut.objects.get(key=import_apply.job_key(job)).pk
    memory = []
    started = time.perf_counter()
    while fanout.run_batch(job_id):
        memory.append(rss_mb())
    memory.append(rss_mb())
    return time.perf_counter() - started, memory


def one_import(content: bytes, treasurer, name: str) -> dict:
    from members import importing
    from members.models import MemberImport

    figures = {}
    started = time.perf_counter()
    job = importing.upload(content=content, file_name=name, by=treasurer)
    figures["read"] = time.perf_counter() - started
    started = time.perf_counter()
    job = importing.check(job=job, columns=job.columns, plans=job.plans, day_first=job.day_first, by=treasurer)
    figures["dry run"] = time.perf_counter() - started
    figures["report"] = {k: job.report[k] for k in ("created", "updated", "unchanged", "skipped", "problem_count")}
    importing.start_apply(job=job, skip_problems=False, by=treasurer)
    figures["apply"], figures["memory"] = apply_in_process(job)
    job = MemberImport.objects.get(pk=job.pk)
    figures["applied"] = {k: getattr(job, k) for k in ("created", "updated", "unchanged", "skipped")}
    figures["job"] = job
    return figures


def invite(job, treasurer) -> tuple[float, int]:
    from members import import_invites, importing
    from notifications import fanout
    from notifications.models import FanOut

    started = time.perf_counter()
    people = importing.invite(job=job, by=treasurer)
    job_id = FanOut.objects.get(key=import_invites.job_key(job)).pk
    while fanout.run_batch(job_id):
        pass
    return time.perf_counter() - started, people


def report(first: dict, second: dict, invited: tuple[float, int], when: str, machine: str, seconds: float) -> str:
    memory = first["memory"]
    quarter = max(1, len(memory) // 4)
    early, late = max(memory[:quarter]), max(memory[-quarter:])
    apply_rate = ROWS / first["apply"]
    met = first["apply"] < GOAL_SECONDS and late - early < 25
    lines = [
        f"Last run: {when}, {seconds:.0f} s in all. Machine: {machine} (at the end: load average "
        f"{', '.join(f'{n:.2f}' for n in os.getloadavg())}). In-process, DEBUG off, PostgreSQL; "
        f"a {ROWS:,}-row file ({len(first['content']) / 2**20:.1f} MB), {EXISTING} of its people already members.",
        "",
        "| step | seconds | rows per second | outcome |",
        "| --- | --- | --- | --- |",
        f"| read and check the file (upload) | {first['read']:.1f} | {ROWS / first['read']:,.0f} | "
        f"{ROWS:,} rows, no formulas |",
        f"| dry run | {first['dry run']:.1f} | {ROWS / first['dry run']:,.0f} | {_counts(first['report'])} |",
        f"| **apply (the worker's function)** | **{first['apply']:.1f}** | **{apply_rate:,.0f}** | "
        f"{_counts(first['applied'])} |",
        f"| the same file again: dry run | {second['dry run']:.1f} | {ROWS / second['dry run']:,.0f} | "
        f"{_counts(second['report'])} |",
        f"| the same file again: apply | {second['apply']:.1f} | {ROWS / second['apply']:,.0f} | "
        f"{_counts(second['applied'])} |",
        f"| invitations to claim queued (fan-out, no sending) | {invited[0]:.1f} | {invited[1] / invited[0]:,.0f} | "
        f"{invited[1]:,} invitations |",
        "",
        f"Resident memory during the apply: {early:.0f} MB at most in the first quarter of its "
        f"{len(memory)} batches, {late:.0f} MB at most in the last quarter; peak of the process "
        f"{peak_rss_mb():.0f} MB (the file's text and the dry run included).",
        "",
        f"B9 (apply under {GOAL_SECONDS} s, memory flat): {'met' if met else '**not met**'}.",
    ]
    return "\n".join(lines)


def _counts(counts: dict) -> str:
    names = {"problem_count": "problems"}
    return ", ".join(f"{value:,} {names.get(name, name)}" for name, value in counts.items())


def main() -> int:
    started = time.monotonic()
    url = harness.database_url("import_bench")
    env = harness.product_env(database_url=url, redis_url=None, port=8191)
    template = harness.migrated_template(env)
    harness.create_database(url, template=template)
    harness.setup_django(env)
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = harness.machine()
    try:
        from django.utils import timezone

        treasurer = seed()
        content = member_list(ROWS, today=timezone.localdate())
        first = one_import(content, treasurer, "wild-apricot-contacts.csv")
        first["content"] = content
        print(f"B9: first import: dry run {first['dry run']:.1f} s, apply {first['apply']:.1f} s")
        second = one_import(content, treasurer, "wild-apricot-contacts-again.csv")
        invited = invite(first["job"], treasurer)
    finally:
        from django.db import connections

        connections.close_all()
        harness.drop_database(url)
        harness.drop_database(template)
    text = report(first, second, invited, when, machine, time.monotonic() - started)
    print(text)
    from benchmarks.web import write_readme

    write_readme(text, start=START, end=END)
    return 0 if first["applied"]["skipped"] == 0 and second["applied"]["created"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
