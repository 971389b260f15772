"""B10: starting a ticket checkout ÷ the bare view, in `make bench` (benchmarks/web.py).

Each request is a new buyer's order form for one paid ticket: the order is checked, its seat
held under the event's lock, a Stripe Checkout Session created, and the buyer sent to it
(302). Stripe is answered at the HTTP edge: STRIPE_API_BASE points the product's Stripe
client at a small HTTP server in this process that answers every session at once, so the
figure is the product's own work plus one real HTTP round trip, as with Stripe but for its
distance. Both sides are measured on a server of their own started with those settings.
"""

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

from benchmarks import harness

STRIPE_PORT_OFFSET = 3  # the fake Stripe beside the bench's ports: PORT+3 (B10's server is PORT+2)
RUN = secrets.token_hex(4)  # session ids unique to this run


class _Stripe(BaseHTTPRequestHandler):
    """Answers `POST /v1/checkout/sessions` as Stripe does (an open session and its page); counts them."""

    created = 0
    lock = threading.Lock()

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with _Stripe.lock:
            _Stripe.created += 1
            number = _Stripe.created
        session_id = f"cs_test_b10{RUN}{number:08d}"
        body = json.dumps({"id": session_id, "object": "checkout.session", "mode": "payment", "status": "open",
                           "payment_status": "unpaid", "url": f"https://checkout.stripe.com/c/pay/{session_id}",
                           "livemode": False}).encode()  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Request-Id", f"req_b10{number}")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        return


def fake_stripe(port: int) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", port), _Stripe)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def order_form(event_slug: str, ticket_type_id: int):
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={harness.CSRF_TOKEN}"}

    def make(number: int) -> tuple:
        data = {"csrfmiddlewaretoken": harness.CSRF_TOKEN, f"q-{ticket_type_id}": "1", "unlock": "", "discount": "",
                "a0-ticket_type": ticket_type_id, "a0-name": f"Buyer {number}",
                "a0-email": f"b10-buyer{number}@example.org"}  # fmt: skip
        return ("POST", f"/events/{event_slug}/register/", headers, urlencode(data))

    return make


def checkout_figure(web, env: dict):
    """B10, on a server of its own whose Stripe is the fake one."""
    from benchmarks import seed
    from events.ticket_records import Order, TicketType

    stripe_port = web.PORT + STRIPE_PORT_OFFSET
    stripe = fake_stripe(stripe_port)
    port = web.PORT + 2
    b10_env = {**env, "SITE_URL": f"http://127.0.0.1:{port}", "STRIPE_SECRET_KEY": "sk_test_b10benchmark",
               "STRIPE_API_BASE": f"http://127.0.0.1:{stripe_port}"}  # fmt: skip
    event = seed.event("b10-congress", capacity=1_000_000)
    kind = TicketType.objects.create(event=event, name="Non-member", price_cents=9000)
    numbers = list(range(web.SLICE * (web.ROUNDS + 1)))
    try:
        with harness.Server(b10_env, port=port, workers=web.WORKERS, name="bench-b10") as server:
            bare = web.Side("bare view, one query", "/bench/one-query/")
            checkout = web.Side("ticket checkout started", "/", web.by_round(numbers, order_form(event.slug, kind.pk)))
            what = "starting a ticket checkout (seat hold, Stripe session at the HTTP edge) ÷ the bare view"
            figure = web.compare(server, "B10", what, 0.3, checkout, bare)
            errors = server.server_errors()
    finally:
        stripe.shutdown()
    held = Order.objects.filter(event=event, stripe_checkout_session_id__startswith="cs_test_b10").count()
    figure.note = (
        f"each POST a new buyer: {held} orders holding their seat with a Stripe session for the "
        f"{figure.target_requests} POSTs wrk counted ({web.IN_FLIGHT}); {_Stripe.created} sessions asked of the "
        f"fake Stripe; server errors logged: {errors}"
    )
    return figure, errors
