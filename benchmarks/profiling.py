"""Profile one benchmarked request with pyinstrument, in-process, on a throwaway database.

    .venv/bin/python benchmarks/profiling.py event-page|rsvp-post|member-list|webhook [count]

Prints where the time of `count` requests (default 200) went (pyinstrument's tree, then cProfile's
functions by own time, or by PROFILE_SORT=cumulative, PROFILE_LINES of them), with DEBUG off as in production.
"""

import cProfile
import os
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness

PORT = 8199


def scenarios(client):
    from benchmarks import seed, web
    from members.roles import TREASURER

    event = seed.event("profiled", capacity=300)
    seed.invite(event, 120, prefix="yes", status="yes")
    tokens = iter(seed.invite(event, 5000, prefix="p"))
    treasurer = seed.staff("treasurer@example.org", TREASURER)
    member_ids = iter(seed.members(2000))
    plan_id = seed.plan().pk
    client.cookies["csrftoken"] = harness.CSRF_TOKEN

    def member_list():
        client.force_login(treasurer)
        return client.get("/manage/members/")

    def webhook():
        body, signature = web.signed_invoice_paid(next(member_ids), plan_id)
        return client.post("/stripe/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)

    return {
        "event-page": lambda: client.get(event.get_absolute_url()),
        "rsvp-post": lambda: client.post(
            f"/r/{next(tokens)}/", {"answer": "yes", "guests": "0", "csrfmiddlewaretoken": harness.CSRF_TOKEN}
        ),
        "member-list": member_list,
        "webhook": webhook,
    }


def main() -> None:
    name, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 200
    url = harness.database_url("profile")
    env = harness.product_env(database_url=url, redis_url=harness.redis_url(5), port=PORT)
    template = harness.migrated_template(env)
    harness.create_database(url, template=template)
    harness.drop_database(template)
    harness.setup_django(env)
    from django.db import connections
    from django.test import Client
    from pyinstrument import Profiler

    try:
        request = scenarios(Client())[name]
        for _ in range(20):
            assert request().status_code < 400
        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(count):
                request()
        print(profiler.output_text(unicode=True, show_all=False, short_mode=False))
        functions = cProfile.Profile()
        with functions:
            for _ in range(count):
                request()
        stats = pstats.Stats(functions).sort_stats(os.environ.get("PROFILE_SORT", "tottime"))
        stats.print_stats(int(os.environ.get("PROFILE_LINES", "30")))
    finally:
        connections.close_all()
        harness.drop_database(url)


if __name__ == "__main__":
    main()
