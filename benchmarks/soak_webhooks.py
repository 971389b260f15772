"""Fault test: Stripe delivers 500 events three times each, shuffled, some copies at the same
moment, among stale and forged ones.

    .venv/bin/python benchmarks/soak_webhooks.py

A real gunicorn server on PostgreSQL. Each event is an `invoice.paid` for one member's yearly
renewal; each delivery is signed when it is sent, as Stripe signs each attempt. 50 events have
their three copies released together; the other 1,350 deliveries go out shuffled from 16
threads. Among them: 100 events signed too long ago, 100 signed with another secret, 50 whose
body was changed after signing, 20 with no signature, each for an invoice of its own.
Counts: events applied twice (a second payment, term or receipt), forged or stale deliveries
accepted, genuine deliveries refused. Prints one line; exits 1 when a count is wrong.
"""

import json
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness

PORT = 8113
EVENTS = 500
COPIES = 3
TOGETHER = 50  # events whose copies arrive at the same moment
BAD = {"stale": 100, "other secret": 100, "changed body": 50, "unsigned": 20}


def invoice_paid(member_id: int, plan_id: int) -> dict:
    from tests.members import stripe_payloads

    now = int(time.time())
    invoice = stripe_payloads.invoice(
        customer=f"cus_soak{member_id}",
        subscription=f"sub_soak{member_id}",
        meta={"member_id": str(member_id), "plan_id": str(plan_id)},
        amount=6000,
        period_start=now - 3600,
        period_end=now - 3600 + 365 * 86400,
        billing_reason="subscription_cycle",
    )
    return stripe_payloads.event("invoice.paid", invoice)


def deliver(url: str, event: dict, kind: str = "genuine") -> tuple[str, str, int, str]:
    """POST one delivery, signed now (or spoiled as `kind` says): (kind, event id, status, outcome)."""
    from tests.members import stripe_payloads

    body = json.dumps(event)
    headers = {"Content-Type": "application/json"}
    if kind == "genuine":
        headers["Stripe-Signature"] = stripe_payloads.sign(body, secret=harness.WEBHOOK_SECRET)
    elif kind == "stale":
        old = int(time.time()) - 600  # the tolerance is 300 s
        headers["Stripe-Signature"] = stripe_payloads.sign(body, secret=harness.WEBHOOK_SECRET, timestamp=old)
    elif kind == "other secret":
        headers["Stripe-Signature"] = stripe_payloads.sign(body, secret="whsec_someone_else_0000000000")
    elif kind == "changed body":
        headers["Stripe-Signature"] = stripe_payloads.sign(body, secret=harness.WEBHOOK_SECRET)
        body = body.replace('"amount_paid": 6000', '"amount_paid": 1')
    status, _, reply = harness.open_once(url, method="POST", data=body.encode(), headers=headers)
    outcome = json.loads(reply).get("outcome", "") if status == 200 else ""
    return kind, event["id"], status, outcome


def together(url: str, event: dict) -> list[tuple]:
    gate = threading.Barrier(COPIES)
    results = []

    def copy():
        gate.wait()
        results.append(deliver(url, event))

    threads = [threading.Thread(target=copy) for _ in range(COPIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def plan_deliveries(member_ids: list[int], plan_id: int, rng: random.Random):
    genuine = [invoice_paid(member_id, plan_id) for member_id in member_ids[:EVENTS]]
    spare = iter(member_ids[EVENTS:])
    bad = [(kind, invoice_paid(next(spare), plan_id)) for kind, count in BAD.items() for _ in range(count)]
    shuffled = [("genuine", event) for event in genuine[TOGETHER:] for _ in range(COPIES)] + bad
    rng.shuffle(shuffled)
    return genuine, bad, shuffled


def count(genuine: list[dict], bad: list[tuple], results: list[tuple]) -> dict:
    from members.models import MembershipTerm, Payment, StripeEvent
    from notifications.models import Delivery

    invoices = [event["data"]["object"]["id"] for event in genuine]
    bad_invoices = [event["data"]["object"]["id"] for _, event in bad]
    payments = Payment.objects.filter(stripe_invoice_id__in=invoices)
    handled = sum(1 for kind, _, status, outcome in results if kind == "genuine" and outcome == "queued")
    receipts = Delivery.objects.filter(kind__icontains="receipt", user__member__payments__in=payments).count()
    return {
        "applied_twice": max(0, handled - EVENTS)
        + max(0, payments.count() - EVENTS)
        + max(0, MembershipTerm.objects.filter(payment__in=payments).count() - EVENTS)
        + max(0, receipts - EVENTS),
        "not_applied": max(0, EVENTS - StripeEvent.objects.filter(event_id__in=[e["id"] for e in genuine]).count())
        + max(0, EVENTS - payments.count()),
        "forged_accepted": sum(1 for kind, _, status, _ in results if kind != "genuine" and status < 400)
        + Payment.objects.filter(stripe_invoice_id__in=bad_invoices).count(),
        "genuine_refused": sum(1 for kind, _, status, _ in results if kind == "genuine" and status != 200),
        "handled": handled,
        "repeats": sum(1 for kind, _, _, outcome in results if kind == "genuine" and outcome == "duplicate"),
        "receipts": receipts,
    }


def main() -> int:
    started = time.monotonic()
    url = harness.database_url("soak_webhooks")
    env = harness.product_env(database_url=url, redis_url=harness.redis_url(6), port=PORT)
    template = harness.migrated_template(env)
    harness.create_database(url, template=template)
    harness.drop_database(template)
    harness.setup_django(env)
    from django.db import connections

    from benchmarks import seed

    try:
        member_ids = seed.members(EVENTS + sum(BAD.values()))
        from members.models import Member

        for member_id in member_ids:  # each member's own Stripe customer and subscription
            Member.objects.filter(pk=member_id).update(
                stripe_customer_id=f"cus_soak{member_id}", stripe_subscription_id=f"sub_soak{member_id}"
            )
        genuine, bad, shuffled = plan_deliveries(member_ids, seed.plan().pk, random.Random(500))
        with harness.Server(env, port=PORT, workers=2, threads=8, name="webhooks") as server:
            endpoint = f"{server.url}/stripe/webhook/"
            results = []
            with ThreadPoolExecutor(max_workers=16) as pool:
                bursts = [pool.submit(together, endpoint, event) for event in genuine[:TOGETHER]]
                singles = [pool.submit(deliver, endpoint, event, kind) for kind, event in shuffled]
                for future in bursts:
                    results += future.result()
                results += [future.result() for future in singles]
            logged = server.server_errors()
        # The webhook recorded each event and answered; a worker applies them. Here this
        # process is the worker, applying everything that waits.
        from members import stripe_webhooks

        while stripe_webhooks.process_waiting(limit=1000):
            pass
        counts = count(genuine, bad, results)
    finally:
        connections.close_all()
        harness.drop_database(url)
        harness.flush_redis(6)
    ok = (
        counts["applied_twice"] == 0
        and counts["forged_accepted"] == 0
        and counts["genuine_refused"] == 0
        and counts["not_applied"] == 0
        and logged == 0
    )
    print(
        f"{'ok  ' if ok else 'FAIL'} webhooks: {EVENTS} events x {COPIES} deliveries ({TOGETHER} with all copies at "
        f"once, the rest shuffled from 16 threads) and {sum(BAD.values())} stale or forged: applied twice "
        f"{counts['applied_twice']}, forged accepted {counts['forged_accepted']}, genuine refused "
        f"{counts['genuine_refused']}, not applied {counts['not_applied']}, handled {counts['handled']}, "
        f"answered as repeats {counts['repeats']}, receipts {counts['receipts']}, server errors {logged}; "
        f"{time.monotonic() - started:.0f} s",
        flush=True,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
