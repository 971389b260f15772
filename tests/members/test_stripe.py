"""The requests Stripe receives, caught at the HTTP edge with Stripe-shaped answers."""

from urllib.parse import parse_qs

import pytest
import responses

from members.models import Checkout, Member, Payment
from notifications.models import Delivery
from tests.factories import PaymentFactory
from tests.mail import composed

pytestmark = pytest.mark.django_db

API = "https://api.stripe.com/v1"


def _form(call) -> dict:
    """A form-encoded Stripe request body as {key: value}."""
    return {key: values[0] for key, values in parse_qs(call.request.body).items()}


def _customer(customer_id="cus_test_NffrFeUfNV2Hib"):
    return {
        "id": customer_id,
        "object": "customer",
        "created": 1767225600,
        "email": "ann@example.org",
        "livemode": False,
        "metadata": {},
        "name": "Ann Example",
    }


def _session(session_id="cs_test_a1B2c3D4", mode="payment"):
    return {
        "id": session_id,
        "object": "checkout.session",
        "mode": mode,
        "status": "open",
        "payment_status": "unpaid",
        "url": f"https://checkout.stripe.com/c/pay/{session_id}#fidkdWxOYHwnPyd1blpxYHZxWjA0",
        "livemode": False,
    }


@pytest.fixture
def stripe_api(stripe_keys):
    with responses.RequestsMock() as mock:
        yield mock


def _join(client, member, plan, **data):
    client.force_login(member.user)
    prefix = plan.slug
    post = {"plan": plan.slug, "pay": "card"}
    post.update({f"{prefix}-{key}": value for key, value in data.items()})
    return client.post("/join/", post)


def test_one_time_checkout_session_request(client, member, plan, stripe_api):
    stripe_api.post(f"{API}/customers", json=_customer())
    stripe_api.post(f"{API}/checkout/sessions", json=_session())
    response = _join(client, member, plan)
    checkout = Checkout.objects.get()
    assert response.status_code == 302
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_a1B2c3D4#fidkdWxOYHwnPyd1blpxYHZxWjA0"
    customer_call, session_call = stripe_api.calls
    assert customer_call.request.headers["Authorization"] == "Bearer sk_test_51Societas"
    assert _form(customer_call) == {
        "email": "ann@example.org",
        "name": "Ann Example",
        "metadata[member_id]": str(member.pk),
    }
    meta = {
        "[checkout_id]": str(checkout.public_id),
        "[member_id]": str(member.pk),
        "[plan_id]": str(plan.pk),
        "[purpose]": "join",
    }
    assert _form(session_call) == {
        "mode": "payment",
        "customer": "cus_test_NffrFeUfNV2Hib",
        "client_reference_id": str(member.pk),
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "usd",
        "line_items[0][price_data][unit_amount]": "6000",
        "line_items[0][price_data][product_data][name]": "Regular member, Societas Demo Society",
        "success_url": f"http://testserver/join/done/{checkout.public_id}/",
        "cancel_url": "http://testserver/join/?plan=regular&cancelled=1",
        **{f"metadata{key}": value for key, value in meta.items()},
        **{f"payment_intent_data[metadata]{key}": value for key, value in meta.items()},
    }
    assert session_call.request.headers["Idempotency-Key"] == f"checkout-{checkout.public_id}"
    assert checkout.stripe_session_id == "cs_test_a1B2c3D4" and not checkout.auto_renew
    member.refresh_from_db()
    assert member.stripe_customer_id == "cus_test_NffrFeUfNV2Hib"
    assert not Payment.objects.exists(), "only the webhook makes a membership active"


def test_auto_renew_checkout_is_a_yearly_subscription_for_the_chosen_amount(client, member, sliding_plan, stripe_api):
    Member.objects.filter(pk=member.pk).update(stripe_customer_id="cus_test_Returning")
    stripe_api.post(f"{API}/checkout/sessions", json=_session(mode="subscription"))
    response = _join(client, member, sliding_plan, amount="25.50", auto_renew="on")
    assert response.status_code == 302
    [session_call] = stripe_api.calls  # a returning member's customer is reused, not created
    form = _form(session_call)
    checkout = Checkout.objects.get()
    assert form["mode"] == "subscription"
    assert form["customer"] == "cus_test_Returning"
    assert form["line_items[0][price_data][unit_amount]"] == "2550"
    assert form["line_items[0][price_data][recurring][interval]"] == "year"
    assert form["subscription_data[metadata][checkout_id]"] == str(checkout.public_id)
    assert form["subscription_data[metadata][member_id]"] == str(member.pk)
    assert form["subscription_data[metadata][plan_id]"] == str(sliding_plan.pk)
    assert "payment_intent_data[metadata][member_id]" not in form
    assert (checkout.amount_cents, checkout.auto_renew) == (2550, True)


def test_lifetime_plan_is_always_a_one_time_payment(client, member, lifetime_plan, stripe_api):
    stripe_api.post(f"{API}/customers", json=_customer())
    stripe_api.post(f"{API}/checkout/sessions", json=_session())
    _join(client, member, lifetime_plan, auto_renew="on")
    assert _form(stripe_api.calls[1])["mode"] == "payment"


def test_stripe_refusing_the_session_shows_a_message_and_stores_nothing(client, member, plan, stripe_api):
    Member.objects.filter(pk=member.pk).update(stripe_customer_id="cus_test_Returning")
    stripe_api.post(
        f"{API}/checkout/sessions",
        status=400,
        json={
            "error": {
                "code": "parameter_invalid_integer",
                "message": "Invalid integer: abc",
                "param": "line_items[0][price_data][unit_amount]",
                "type": "invalid_request_error",
            }
        },
    )
    response = _join(client, member, plan)
    assert response.status_code == 200
    assert "nothing was charged" in response.content.decode()
    assert not Checkout.objects.exists()


def _configurations(*configs) -> dict:
    return {"object": "list", "data": list(configs), "has_more": False, "url": "/v1/billing_portal/configurations"}


def _configuration(config_id="bpc_test_Societas", metadata=None) -> dict:
    return {
        "id": config_id,
        "object": "billing_portal.configuration",
        "active": True,
        "features": {"customer_update": {"enabled": False, "allowed_updates": []}},
        "is_default": False,
        "livemode": False,
        "metadata": metadata if metadata is not None else {"societas": "societas-card-portal-1"},
    }


def test_portal_session_request(client, member, stripe_api):
    Member.objects.filter(pk=member.pk).update(stripe_customer_id="cus_test_Returning")
    portal_url = "https://billing.stripe.com/p/session/test_YWNjdF8xTTJKVGtMa2RJd0h1"
    stripe_api.get(f"{API}/billing_portal/configurations", json=_configurations(_configuration()))
    stripe_api.post(f"{API}/billing_portal/sessions", json=_portal_response("cus_test_Returning", portal_url))
    client.force_login(member.user)
    response = client.post("/membership/billing/")
    assert response.status_code == 302 and response["Location"] == portal_url
    assert _form(stripe_api.calls[1]) == {
        "customer": "cus_test_Returning",
        "return_url": "http://testserver/membership/",
        "configuration": "bpc_test_Societas",
    }


def test_portal_configuration_that_cannot_change_email_or_address_is_created_once(client, member, stripe_api):
    Member.objects.filter(pk=member.pk).update(stripe_customer_id="cus_test_Returning")
    portal_url = "https://billing.stripe.com/p/session/test_New"
    stripe_api.get(f"{API}/billing_portal/configurations", json=_configurations(_configuration("bpc_other", {})))
    stripe_api.post(f"{API}/billing_portal/configurations", json=_configuration("bpc_test_New"))
    stripe_api.post(f"{API}/billing_portal/sessions", json=_portal_response("cus_test_Returning", portal_url))
    client.force_login(member.user)
    client.post("/membership/billing/")
    created = _form(stripe_api.calls[1])
    assert created["features[customer_update][enabled]"] == "false"
    assert created["features[payment_method_update][enabled]"] == "true"
    assert created["metadata[societas]"] == "societas-card-portal-1"
    assert stripe_api.calls[1].request.headers["Idempotency-Key"] == "societas-card-portal-1"
    assert _form(stripe_api.calls[2])["configuration"] == "bpc_test_New"


def test_portal_is_a_post_only(client, member):
    client.force_login(member.user)
    assert client.get("/membership/billing/").status_code == 405


def test_treasurer_refund_of_a_card_payment_asks_stripe(client, member, plan, treasurer, stripe_api):
    payment = PaymentFactory(
        member=member, plan=plan, method=Payment.Method.CARD, stripe_payment_intent_id="pi_test_3MtwBwLkdIwHu7ix"
    )
    stripe_api.post(
        f"{API}/refunds",
        json={
            "id": "re_test_1Nispe2eZvKYlo2C",
            "object": "refund",
            "amount": 6000,
            "charge": "ch_test_1NirD82eZvKYlo2C",
            "currency": "usd",
            "payment_intent": "pi_test_3MtwBwLkdIwHu7ix",
            "status": "succeeded",
        },
    )
    client.force_login(treasurer)
    client.post(f"/manage/payments/{payment.pk}/refund/", {"refund-reason": "Asked to leave", "refund-end_term": "on"})
    assert _form(stripe_api.calls[0]) == {
        "payment_intent": "pi_test_3MtwBwLkdIwHu7ix",
        "amount": "6000",
        "metadata[receipt_number]": payment.receipt_number,
    }
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED and payment.status_reason == "Asked to leave"


def test_a_refund_stripe_refuses_changes_nothing(client, member, plan, treasurer, stripe_api):
    payment = PaymentFactory(member=member, plan=plan, method=Payment.Method.CARD, stripe_payment_intent_id="pi_test_X")
    stripe_api.post(
        f"{API}/refunds",
        status=400,
        json={"error": {"type": "invalid_request_error", "code": "charge_already_refunded", "message": "Refunded."}},
    )
    client.force_login(treasurer)
    response = client.post(f"/manage/payments/{payment.pk}/refund/", {"refund-reason": "x"}, follow=True)
    assert "Stripe did not refund the payment (Refunded.), so nothing was changed." in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


def _portal_response(customer: str, url: str) -> dict:
    return {
        "id": "bps_test_1MxB8uLkdIwHu7iy",
        "object": "billing_portal.session",
        "configuration": "bpc_test_1MxB7eLkdIwHu7ix",
        "created": 1767225600,
        "customer": customer,
        "livemode": False,
        "return_url": "http://testserver/membership/",
        "url": url,
    }


def _card_link(member) -> str:
    from django.utils import timezone

    from members import arrears

    Member.objects.filter(pk=member.pk).update(stripe_customer_id="cus_test_Declined")
    member.refresh_from_db()
    arrears.record_failed_charge(
        member=member,
        invoice_id="in_test_Declined",
        subscription_id="sub_test_1",
        amount_cents=6000,
        currency="USD",
        attempt_count=1,
        failure_message="",
        next_attempt_at=None,
        failed_at=timezone.now(),
    )
    body = composed(Delivery.objects.get(kind="payment-failed")).body_text
    return next(word for word in body.split() if "/membership/card/" in word).removeprefix("http://testserver")


def test_card_link_asks_whoever_opens_it_to_sign_in_first(client, member, stripe_api):
    link = _card_link(member)
    for response in (client.get(link), client.post(link)):
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert len(stripe_api.calls) == 0


def test_card_link_opened_by_another_member_is_refused(client, member, stripe_api):
    from tests.factories import MemberFactory

    link = _card_link(member)
    client.force_login(MemberFactory().user)
    response = client.post(link)
    assert response.status_code == 403 and "sent to another member" in response.content.decode()
    assert len(stripe_api.calls) == 0


def test_card_link_opens_the_portal_for_its_member_once_signed_in(client, member, stripe_api):
    link = _card_link(member)
    client.force_login(member.user)
    page = client.get(link)
    assert page.status_code == 200 and "did not go through" in page.content.decode()
    assert len(stripe_api.calls) == 0, "opening the link asks Stripe nothing"
    portal = "https://billing.stripe.com/p/session/test_Declined"
    stripe_api.get(f"{API}/billing_portal/configurations", json=_configurations(_configuration()))
    stripe_api.post(f"{API}/billing_portal/sessions", json=_portal_response("cus_test_Declined", portal))
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == portal
    assert _form(stripe_api.calls[1])["customer"] == "cus_test_Declined"


def test_a_forged_card_link_is_refused(client, member):
    from members import links

    token = links.card_url(member).rstrip("/").rsplit("/", 1)[1]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = client.post(f"/membership/card/{forged}/")
    assert response.status_code == 400 and "not valid" in response.content.decode()


def test_treasurer_partial_refund_of_a_card_payment_asks_stripe_for_that_amount(
    client, member, plan, treasurer, stripe_api
):
    payment = PaymentFactory(
        member=member, plan=plan, method=Payment.Method.CARD, stripe_payment_intent_id="pi_test_3MtwBwLkdIwHu7ix"
    )
    stripe_api.post(f"{API}/refunds", json={"id": "re_test_2", "object": "refund", "amount": 1500})
    client.force_login(treasurer)
    client.post(
        f"/manage/payments/{payment.pk}/refund/",
        {"refund-reason": "Student rate", "refund-amount": "15.00", "refund-end_term": "on"},
    )
    assert _form(stripe_api.calls[0])["amount"] == "1500"
    assert stripe_api.calls[0].request.headers["Idempotency-Key"] == f"refund-{payment.receipt_number}-1500"
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_cents) == (Payment.Status.PAID, 1500)
    assert Delivery.objects.filter(kind="refund-receipt").exists()


def test_a_refund_of_more_than_the_payment_is_refused_before_asking_stripe(client, member, plan, treasurer, stripe_api):
    payment = PaymentFactory(member=member, plan=plan, method=Payment.Method.CARD, stripe_payment_intent_id="pi_test_X")
    client.force_login(treasurer)
    response = client.post(
        f"/manage/payments/{payment.pk}/refund/", {"refund-reason": "Oops", "refund-amount": "70"}, follow=True
    )
    assert "at most $60.00" in response.content.decode()
    assert not stripe_api.calls
    payment.refresh_from_db()
    assert payment.refunded_cents == 0


def test_stripes_success_url_leads_back_to_the_event_the_member_renewed_from(client, member, plan, stripe_api):
    stripe_api.post(f"{API}/customers", json=_customer())
    stripe_api.post(f"{API}/checkout/sessions", json=_session())
    client.force_login(member.user)
    client.post("/join/?return_path=/events/annual-lecture/", {"plan": plan.slug, "pay": "card"})
    checkout = Checkout.objects.get()
    assert checkout.return_path == "/events/annual-lecture/"
    success_url = _form(stripe_api.calls[1])["success_url"]
    done = client.get(success_url.removeprefix("http://testserver")).content.decode()
    assert 'href="/events/annual-lecture/"' in done
