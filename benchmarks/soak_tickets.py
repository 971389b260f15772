"""Fault test: 200 buyers at once for the last 10 paid seats, holds expiring, late payments, 20 rounds.

    .venv/bin/python benchmarks/soak_tickets.py postgresql|sqlite

A real gunicorn server on PostgreSQL, or on a SQLite file with the product's own SQLite settings.
Each round makes an event with 10 seats left and a paid ticket, and five orders whose holds ran
out a minute ago (not yet swept). Then, at one moment: 200 buyers POST the order form
(/events/<slug>/register/) for one ticket each; the five late payments arrive as signed
`checkout.session.completed` webhooks through the real view; the sweep runs; and two threads
apply what the webhook recorded, as the worker does. Next, half the buyers who got seats pay
and the other half's holds run out, two of whom pay late, again all at once. Last, the refunds
owed are done (the sweep's part; the payments' ids are the local checkout's, so no Stripe is
asked).

Then a discount code for 10 uses is raced by 50 buyers at once, on an event with room for all.

Counts: seats oversold, orders charged without a seat after the refunds (paid but not confirmed
and not refunded), server errors (5xx answers and logged tracebacks), buyers answered otherwise
than an order or a refusal, and the code's uses. Prints one line; exits 1 when a count is wrong.
"""

import json
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness

ROUNDS = 20
BUYERS = 200
CAPACITY = 60
SEATS_LEFT = 10
RAN_OUT = 5  # orders whose hold ended before the rush; each pays late during it
LATE_AFTER = 2  # of the rush's buyers whose hold runs out, those who pay late anyway
CODE_USES, CODE_BUYERS = 10, 50
PRICE = 9000
PORTS = {"postgresql": 8117, "sqlite": 8118}
HEADERS = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={harness.CSRF_TOKEN}"}


def buy(base_url: str, event, kind, email: str, code: str = ""):
    """One buyer's order form, sent: the HTTP status (302 to the order, 400 refused)."""
    data = {"csrfmiddlewaretoken": harness.CSRF_TOKEN, f"q-{kind.pk}": "1", "unlock": "", "discount": code,
            "a0-ticket_type": kind.pk, "a0-name": f"Buyer {email}", "a0-email": email}  # fmt: skip
    url = f"{base_url}/events/{event.slug}/register/"
    return lambda: harness.open_once(url, method="POST", data=urlencode(data).encode(), headers=HEADERS)[0]


def pay(base_url: str, order):
    """Stripe's `checkout.session.completed` for the order, signed, through the webhook's view."""
    from members import stripe as card
    from tests.members import stripe_payloads as sp

    session = {"id": card.local_id("cs"), "object": "checkout.session", "mode": "payment", "status": "complete",
               "payment_status": "paid", "amount_subtotal": order.charged_cents, "amount_total": order.charged_cents,
               "currency": order.currency.lower(), "customer": None, "customer_email": order.buyer_email,
               "payment_intent": card.local_id("pi"), "livemode": False,
               "metadata": {"kind": "tickets", "order_id": str(order.pk)}}  # fmt: skip
    body = json.dumps(sp.event("checkout.session.completed", session))
    headers = {"Content-Type": "application/json", "Stripe-Signature": sp.sign(body, secret=harness.WEBHOOK_SECRET)}
    url = f"{base_url}/stripe/webhook/"
    return lambda: harness.open_once(url, method="POST", data=body.encode(), headers=headers)[0]


def applying(stop: threading.Event):
    """What the worker does: apply each recorded webhook, until told to stop and none waits."""
    from django.db import connection

    from members import stripe_webhooks

    def loop() -> int:
        while True:
            done = stripe_webhooks.process_waiting()
            if stop.is_set() and not done:
                connection.close()
                return 0
            time.sleep(0.02)

    return loop


def sweeping():
    from events import ticket_holds

    return lambda: ticket_holds.sweep()


def ran_out_orders(event, kind, number: int) -> list:
    """Orders placed 31 minutes ago: their holds ended a minute ago and no sweep has seen them."""
    import datetime

    from django.utils import timezone

    from events.ticket_orders import Attendee, place_order

    then = timezone.now() - datetime.timedelta(minutes=31)
    orders = []
    for n in range(RAN_OUT):
        attendee = Attendee(kind.pk, f"Late {n}", f"late{number}-{n}@example.org")
        orders.append(place_order(event=event, user=None, buyer_name=attendee.name, buyer_email=attendee.email,
                                  attendees=[attendee], now=then))  # fmt: skip
    return orders


def phase(base_url: str, jobs: list) -> list:
    """Jobs at once, with two appliers of the recorded webhooks running beside them to the end."""
    stop = threading.Event()
    workers = [threading.Thread(target=applying(stop)) for _ in range(2)]
    for worker in workers:
        worker.start()
    results = harness.all_at_once(jobs)
    stop.set()
    for worker in workers:
        worker.join(timeout=120)
    return results


def one_round(number: int, base_url: str) -> dict:
    import datetime

    from django.utils import timezone

    from benchmarks import seed
    from events import ticket_checkout
    from events.models import RSVP
    from events.ticket_records import Order, TicketType

    event = seed.event(f"tickets-{number}", capacity=CAPACITY)
    kind = TicketType.objects.create(event=event, name="Non-member", price_cents=PRICE)
    seed.invite(event, CAPACITY - SEATS_LEFT, prefix=f"seated{number}-", status="yes")
    late = ran_out_orders(event, kind, number)
    buyers = [buy(base_url, event, kind, f"buyer{number}-{n}@example.org") for n in range(BUYERS)]
    first = phase(base_url, [*buyers, *[pay(base_url, order) for order in late], sweeping()])
    statuses, webhooks = first[:BUYERS], first[BUYERS : BUYERS + RAN_OUT]
    now = timezone.now()
    held = list(event.orders.filter(status=Order.Status.HELD, held_until__gt=now).order_by("pk"))
    # A late payment that found room before the buyers filled it keeps its seat: every seat is taken.
    filled = len(held) + Order.objects.filter(pk__in=[o.pk for o in late], status=Order.Status.PAID).count()
    paying, running_out = held[: len(held) // 2], held[len(held) // 2 :]
    # Time passes for the other half: their holds end (the sweep finds them), and two pay anyway.
    Order.objects.filter(pk__in=[o.pk for o in running_out]).update(held_until=now - datetime.timedelta(seconds=1))
    paid_late = running_out[:LATE_AFTER]
    second = phase(base_url, [*[pay(base_url, order) for order in paying + paid_late], sweeping()])
    webhooks += second[: len(paying) + len(paid_late)]
    ticket_checkout.refund_owed()
    charged = [o.pk for o in late + paying + paid_late]
    orders = Order.objects.filter(pk__in=charged)
    without_seat = orders.exclude(status=Order.Status.PAID).exclude(
        status=Order.Status.REFUNDED, refunded_at__isnull=False, refund_cents__gt=0
    )
    unseated_lines = RSVP.objects.filter(ticket_lines__order__in=orders.filter(status=Order.Status.PAID)).exclude(
        status=RSVP.Status.YES
    )
    event.refresh_from_db()
    seats = sum(r.party_size for r in event.rsvps.filter(status="yes"))
    answers = statuses + webhooks
    return {
        "oversold": max(0, seats - CAPACITY, event.seats_taken - CAPACITY),
        "charged_without_seat": without_seat.count() + unseated_lines.count(),
        "server_errors": sum(1 for s in answers if s >= 500 or s < 0),
        "other_answers": sum(1 for s in statuses if 0 <= s < 500 and s not in (302, 400))
        + sum(1 for s in webhooks if 0 <= s < 500 and s != 200),
        "filled": filled,
        "refunded": orders.filter(status=Order.Status.REFUNDED).count(),
    }


def code_race(base_url: str) -> tuple[int, int, list]:
    """50 buyers at once for a code of 10 uses, on an event with room for all: (uses, orders with it, statuses)."""
    from benchmarks import seed
    from events.ticket_records import DiscountCode, TicketType

    event = seed.event("tickets-code", capacity=CODE_BUYERS * 2)
    kind = TicketType.objects.create(event=event, name="Non-member", price_cents=PRICE)
    code = DiscountCode.objects.create(event=event, code="RACE10", kind="percent", value=50, max_uses=CODE_USES)
    code.ticket_types.set([kind])
    jobs = [buy(base_url, event, kind, f"coder{n}@example.org", "RACE10") for n in range(CODE_BUYERS)]
    statuses = harness.all_at_once(jobs)
    code.refresh_from_db()
    return code.uses, event.orders.filter(discount_code=code).count(), statuses


def main() -> int:
    vendor = sys.argv[1] if len(sys.argv) > 1 else "postgresql"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else ROUNDS
    started = time.monotonic()
    env, pg_url = harness.soak_environment(vendor, "soak_tickets", port=PORTS[vendor])
    harness.setup_django(env)
    from django.db import connection, connections

    keys = ["oversold", "charged_without_seat", "server_errors", "other_answers", "filled", "refunded"]
    totals = dict.fromkeys(keys, 0)
    try:
        with harness.Server(env, port=PORTS[vendor], workers=2, threads=16, name=f"tickets-{vendor}") as server:
            for number in range(rounds):
                for key, value in one_round(number, server.url).items():
                    totals[key] += value
            uses, with_code, statuses = code_race(server.url)
            totals["server_errors"] += sum(1 for s in statuses if s >= 500 or s < 0)
            logged = server.server_errors()
        assert connection.vendor == vendor, connection.vendor
    finally:
        connections.close_all()
        if pg_url:
            harness.drop_database(pg_url)
            harness.flush_redis(6)
    totals["server_errors"] += logged
    ok = (
        totals["oversold"] == 0
        and totals["charged_without_seat"] == 0
        and totals["server_errors"] == 0
        and totals["other_answers"] == 0
        and totals["filled"] == rounds * SEATS_LEFT
        and uses == with_code == CODE_USES
    )
    print(
        f"{'ok  ' if ok else 'FAIL'} ticket rush on {vendor}: {rounds} rounds of {BUYERS} buyers at once for the last "
        f"{SEATS_LEFT} paid seats, with {RAN_OUT} late payments for holds ended and {LATE_AFTER} more after the "
        f"sweep: oversold {totals['oversold']}, charged without a seat {totals['charged_without_seat']} after "
        f"{totals['refunded']} automatic refunds, server errors {totals['server_errors']}, other answers "
        f"{totals['other_answers']}, seats held or sold in the rush {totals['filled']} "
        f"(expected {rounds * SEATS_LEFT}); a code for "
        f"{CODE_USES} raced by {CODE_BUYERS}: used {uses} times, on {with_code} orders; "
        f"{time.monotonic() - started:.0f} s",
        flush=True,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
