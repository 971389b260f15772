"""RSVP links: does an unknown token answer as fast as a known one? How fast are seats taken?

Run with the test services, e.g.
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/societas_events .venv/bin/python benchmarks/rsvp_links.py

It creates a throwaway database (test_<name>), fills one event with 2,000 RSVPs, then
1. times GET /r/<token>/?answer=yes for known tokens and for unknown ones (same length), interleaved;
2. times 200 people answering yes at once from 20 threads for an event with 100 seats left.
"""

import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# As in production: DEBUG's technical 404 page would make every unknown token slower.
os.environ.update(DEBUG="false", SECRET_KEY="benchmark-only-" + "x" * 40, ALLOWED_HOSTS="testserver")
os.environ.update(SITE_URL="https://members.example.org", SECURE_SSL_REDIRECT="false")

import django

django.setup()

from django.conf import settings  # noqa: E402

# No collectstatic here: plain static file names instead of the production manifest.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

ROUNDS = 400


def fill():
    from events.models import RSVP, new_token
    from tests.factories import EventFactory

    event = EventFactory(capacity=None)
    RSVP.objects.bulk_create(RSVP(event=event, email=f"p{i}@example.org", token=new_token()) for i in range(2000))
    return event


def time_links(event) -> tuple[list[float], list[float]]:
    from events.models import new_token

    client = Client()
    known = list(event.rsvps.values_list("token", flat=True)[:ROUNDS])
    unknown = [new_token() for _ in range(ROUNDS)]
    timings = {"known": [], "unknown": []}
    for good, bad in zip(known, unknown, strict=True):
        for label, token, expected in (("known", good, 200), ("unknown", bad, 404)):
            start = time.perf_counter()
            status = client.get(f"/r/{token}/?answer=yes", secure=True).status_code
            timings[label].append(time.perf_counter() - start)
            assert status == expected, status
    return timings["known"], timings["unknown"]


def time_rush() -> float:
    from tests.factories import EventFactory, RSVPFactory

    event = EventFactory(capacity=100)
    people = RSVPFactory.create_batch(200, event=event)
    gate = threading.Barrier(20)

    def answer(batch):
        client = Client()
        gate.wait()
        for person in batch:
            assert client.post(f"/r/{person.token}/", {"answer": "yes"}, secure=True).status_code == 302
        connections.close_all()

    threads = [threading.Thread(target=answer, args=(people[i::20],)) for i in range(20)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    assert event.rsvps.filter(status="yes").count() == 100
    assert event.rsvps.filter(status="waitlisted").count() == 100
    return elapsed


def ms(values: list[float]) -> str:
    median, p90 = statistics.median(values) * 1000, statistics.quantiles(values, n=10)[-1] * 1000
    return f"median {median:.2f} ms, p90 {p90:.2f} ms"


def main():
    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)  # a 404 per unknown token is expected here
    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        known, unknown = time_links(fill())
        rush = time_rush()
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(name, verbosity=0)
    print(f"database: {connection.vendor}")
    print(f"GET /r/<known token>/   ({ROUNDS}): {ms(known)}")
    print(f"GET /r/<unknown token>/ ({ROUNDS}): {ms(unknown)}")
    print(f"200 yes answers from 20 threads for 100 seats: {rush:.2f} s, {200 / rush:.0f} answers/s, no overbooking")


if __name__ == "__main__":
    main()
