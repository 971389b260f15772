"""Fault test: 200 people answer yes at the same moment for the last 10 seats, 20 rounds.

    .venv/bin/python benchmarks/soak_rsvp.py postgresql|sqlite

A real server: gunicorn on PostgreSQL, or gunicorn on a SQLite file with the product's own
SQLite settings (IMMEDIATE transactions, WAL). Each round makes an event with 10 seats left
and 200 invitations, then sends the 200 POST /r/<token>/ answers at once over loopback.
Counts: overbooked seats, server errors (5xx answers and logged tracebacks), answers that were
not recorded as yes or waitlisted. Prints one line; exits 1 when a count is wrong.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness

ROUNDS = 20
PEOPLE = 200
CAPACITY = 60
SEATS_LEFT = 10
PORTS = {"postgresql": 8111, "sqlite": 8112}


def answer_all_at_once(base_url: str, tokens: list[str]) -> list[int]:
    """Every token answers yes; the threads are released together by a barrier."""
    body = f"csrfmiddlewaretoken={harness.CSRF_TOKEN}&answer=yes&guests=0".encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={harness.CSRF_TOKEN}"}

    def answer(token: str):
        return lambda: harness.open_once(f"{base_url}/r/{token}/", method="POST", data=body, headers=headers)[0]

    return harness.all_at_once([answer(token) for token in tokens], join_timeout=120)


def one_round(number: int, base_url: str) -> dict:
    from benchmarks import seed
    from events.models import RSVP

    event = seed.event(f"rush-{number}", capacity=CAPACITY)
    seed.invite(event, CAPACITY - SEATS_LEFT, prefix=f"seated{number}-", status="yes")
    tokens = seed.invite(event, PEOPLE, prefix=f"rush{number}-")
    statuses = answer_all_at_once(base_url, tokens)
    rush = RSVP.objects.filter(token__in=tokens)
    seats = sum(r.party_size for r in event.rsvps.filter(status="yes"))
    return {
        "overbooked": max(0, seats - CAPACITY),
        "server_errors": sum(1 for s in statuses if s >= 500 or s < 0),
        "other_answers": sum(1 for s in statuses if 0 <= s < 500 and s != 302),
        "seated": rush.filter(status="yes").count(),
        "waitlisted": rush.filter(status="waitlisted").count(),
    }


def main() -> int:
    vendor = sys.argv[1] if len(sys.argv) > 1 else "postgresql"
    started = time.monotonic()
    env, pg_url = harness.soak_environment(vendor, "soak_rsvp", port=PORTS[vendor])
    harness.setup_django(env)
    from django.db import connection, connections

    totals = dict.fromkeys(["overbooked", "server_errors", "other_answers", "seated", "waitlisted"], 0)
    try:
        with harness.Server(env, port=PORTS[vendor], workers=2, threads=16, name=f"rsvp-{vendor}") as server:
            for number in range(ROUNDS):
                for key, value in one_round(number, server.url).items():
                    totals[key] += value
            logged = server.server_errors()
        assert connection.vendor == vendor, connection.vendor
    finally:
        connections.close_all()
        if pg_url:
            harness.drop_database(pg_url)
            harness.flush_redis(6)
    totals["server_errors"] += logged
    ok = (
        totals["overbooked"] == 0
        and totals["server_errors"] == 0
        and totals["other_answers"] == 0
        and totals["seated"] == ROUNDS * SEATS_LEFT
        and totals["waitlisted"] == ROUNDS * (PEOPLE - SEATS_LEFT)
    )
    print(
        f"{'ok  ' if ok else 'FAIL'} rsvp rush on {vendor}: {ROUNDS} rounds of {PEOPLE} yes answers at once for the "
        f"last {SEATS_LEFT} seats: overbooked {totals['overbooked']}, server errors {totals['server_errors']}, "
        f"other answers {totals['other_answers']}, seated {totals['seated']} (expected {ROUNDS * SEATS_LEFT}), "
        f"waitlisted {totals['waitlisted']} (expected {ROUNDS * (PEOPLE - SEATS_LEFT)}); "
        f"{time.monotonic() - started:.0f} s",
        flush=True,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
