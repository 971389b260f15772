"""A member's pages: join, the local test checkout, the confirmation page, membership,
receipts, the one-step renewal link."""

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.urls import reverse

from members import dues, links
from members.models import Checkout, Member, MembershipTerm, Payment, PaymentPromise, Standing
from notifications import sending
from notifications.models import Delivery
from tests.factories import MemberFactory, PlanFactory, TermFactory
from tests.mail import composed
from tests.members import stripe_payloads as sp

pytestmark = pytest.mark.django_db


@pytest.fixture
def local_run(settings):
    """A local run without Stripe keys: the local test checkout is on."""
    settings.DEBUG = True
    settings.STRIPE_SECRET_KEY = ""


def _choose(client, plan, *, pay="card", **data):
    post = {"plan": plan.slug, "pay": pay, **{f"{plan.slug}-{key}": value for key, value in data.items()}}
    return client.post("/join/", post)


def _nothing_created():
    assert not Checkout.objects.exists() and not Payment.objects.exists()
    assert not PaymentPromise.objects.exists() and not MembershipTerm.objects.exists()


def test_join_lists_the_open_plans_only(client, plan, sliding_plan):
    PlanFactory(name="Founders (closed)", is_open=False)
    page = client.get("/join/").content.decode()
    assert "Regular member" in page and "Pay what you can" in page
    assert "Founders" not in page


def test_choosing_a_plan_signed_out_goes_to_sign_up_keeping_the_choice(client, sliding_plan):
    response = _choose(client, sliding_plan, amount="12.50", auto_renew="on")
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == reverse("account_signup")
    next_url = parse_qs(target.query)["next"][0]
    assert parse_qs(urlsplit(next_url).query) == {
        "plan": ["pay-what-you-can"],
        "amount": ["12.50"],
        "auto_renew": ["1"],
    }
    _nothing_created()
    page = client.get(next_url).content.decode()
    assert 'value="12.50"' in page and "checked" in page


def test_new_person_signs_up_confirms_and_returns_to_their_choice(client, sliding_plan, mailoutbox):
    next_url = "/join/?plan=pay-what-you-can&amount=12.50&auto_renew="
    signup = client.post(
        f"/accounts/signup/?next={next_url}",
        {
            "full_name": "Nell Newcomer",
            "email": "new@example.org",
            "password1": "a long passphrase",
            "password2": "a long passphrase",
            "next": next_url,
        },
    )
    assert signup.status_code == 302
    sending.send_due()  # what the mail worker does with the queued confirmation
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[0].body).group(0)
    confirmed = client.post(link)
    assert confirmed.status_code == 302 and confirmed["Location"] == next_url
    assert 'value="12.50"' in client.get(confirmed["Location"]).content.decode()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("5", "The least you can pay on this plan is $10.00."),
        ("9.99", "The least you can pay on this plan is $10.00."),
        ("abc", "Enter an amount as a number, such as 25 or 25.50."),
        ("-10", "The amount cannot be negative."),
        ("10.555", "Use at most 2 decimal places."),
        ("", "Enter the amount you will pay."),
    ],
)
def test_a_bad_sliding_scale_amount_is_a_form_error_and_nothing_is_created(
    client, member, sliding_plan, local_run, amount, message
):
    client.force_login(member.user)
    response = _choose(client, sliding_plan, amount=amount)
    assert response.status_code == 200
    assert message in response.content.decode()
    _nothing_created()


def test_local_checkout_joins_a_new_member_through_the_webhook(client, member, sliding_plan, local_run):
    client.force_login(member.user)
    response = _choose(client, sliding_plan, amount="25")
    checkout = Checkout.objects.get()
    assert response["Location"] == f"/join/test-checkout/{checkout.public_id}/"
    page = client.get(response["Location"]).content.decode()
    assert "No money moves here" in page and "$25.00" in page
    assert not Payment.objects.exists(), "opening the checkout changes nothing"
    paid = client.post(response["Location"], {"action": "pay"})
    assert paid["Location"] == f"/join/done/{checkout.public_id}/"
    member.refresh_from_db()
    assert member.standing() == Standing.ACTIVE and member.member_number is not None
    payment = Payment.objects.get()
    assert (payment.amount_cents, payment.method) == (2500, "card")
    done = client.get(paid["Location"]).content.decode()
    assert f"Welcome, you are a member: your member number is {member.member_number}." in done
    assert set(Delivery.objects.values_list("kind", flat=True)) == {"receipt", "welcome"}


def test_local_checkout_with_auto_renew_sends_checkout_and_invoice_events(client, member, plan, local_run):
    client.force_login(member.user)
    response = _choose(client, plan, auto_renew="on")
    client.post(response["Location"], {"action": "pay"})
    member.refresh_from_db()
    assert member.auto_renew and member.renews_on is not None
    assert Payment.objects.get().stripe_invoice_id.startswith("in_local_")
    assert Checkout.objects.get().payment is not None


def test_local_checkout_cancel_goes_back_and_changes_nothing(client, member, plan, local_run):
    client.force_login(member.user)
    location = _choose(client, plan)["Location"]
    response = client.post(location, {"action": "cancel"})
    assert response["Location"] == "/join/?plan=regular&cancelled=1"
    assert not Payment.objects.exists()


def test_local_checkout_cannot_be_reached_with_debug_off(client, member, plan, local_run, settings):
    client.force_login(member.user)
    location = _choose(client, plan)["Location"]
    settings.DEBUG = False
    assert client.get(location).status_code == 404
    assert client.post(location, {"action": "pay"}).status_code == 404
    assert client.get("/membership/billing/test/").status_code == 404
    assert not Payment.objects.exists()


def test_without_keys_and_debug_off_there_is_no_card_button_but_offline_works(client, member, plan, settings):
    settings.DEBUG = False
    client.force_login(member.user)
    page = client.get("/join/").content.decode()
    assert 'value="card"' not in page and "Card payments are not available" in page
    response = _choose(client, plan, pay="card")
    assert response.status_code == 200 and not Checkout.objects.exists()
    _choose(client, plan, pay="offline", offline_method="cheque")
    assert PaymentPromise.objects.get().method == "cheque"


def _started_here(client, checkout) -> None:
    """As `_pay` leaves the session of the browser that started the checkout."""
    session = client.session
    session["members.checkouts"] = [str(checkout.public_id)]
    session.save()


def test_confirmation_page_waits_for_the_webhook_and_its_status_follows(client, member, plan, make_checkout):
    checkout = make_checkout(member, plan)
    _started_here(client, checkout)
    page = client.get(f"/join/done/{checkout.public_id}/").content.decode()
    assert "We are confirming your payment" in page and "checkout-status.js" in page
    status_url = f"/join/done/{checkout.public_id}/status.json"
    before = client.get(status_url)
    assert before.json()["confirmed"] is False and before.json()["standing"] == "pending"
    assert "no-cache" in before["Cache-Control"]
    sp.post(client, sp.event("checkout.session.completed", sp.checkout_session(checkout, customer="cus_test_1")))
    after = client.get(status_url).json()
    member.refresh_from_db()
    assert after["confirmed"] is True and after["standing"] == "active"
    assert after["member_number"] == member.member_number and after["paid_through"]


def test_checkout_status_answers_only_the_browser_that_started_it(client, member, plan, make_checkout):
    checkout = make_checkout(member, plan)
    assert client.get(f"/join/done/{checkout.public_id}/status.json").status_code == 404
    assert client.get(f"/join/done/{checkout.public_id}/").status_code == 404
    client.force_login(member.user)
    assert client.get(f"/join/done/{checkout.public_id}/status.json").status_code == 404


def test_starting_a_checkout_lets_this_browser_follow_its_status(client, member, plan, local_run):
    client.force_login(member.user)
    _choose(client, plan, pay="card")
    checkout = Checkout.objects.get()
    assert client.get(f"/join/done/{checkout.public_id}/status.json").status_code == 200


def test_unknown_checkout_is_404(client, db):
    assert client.get("/join/done/8d6a3c1e-0000-4000-8000-000000000000/status.json").status_code == 404


def test_membership_page_shows_standing_number_term_and_payments(client, member, plan):
    payment = dues.record_payment(
        by=None, member=member, plan=plan, amount_cents=6000, method="cheque", received_on=datetime.date.today()
    )
    member.refresh_from_db()
    client.force_login(member.user)
    page = client.get("/membership/").content.decode()
    assert "Active" in page and str(member.member_number) in page and "Regular member" in page
    assert f"/membership/receipts/{payment.receipt_number}/" in page
    assert "/renew/" not in page, "on the day one joins, renewing is not the main action"
    assert "Manage card and auto-renew" not in page, "no card on file"


def test_member_updates_their_own_details(client, member):
    client.force_login(member.user)
    client.post("/membership/", {"full_name": "Annie  Ex", "sort_name": "", "city": "Lyon"})
    member.refresh_from_db()
    assert (member.name, member.sort_name, member.city) == ("Annie Ex", "Ex", "Lyon")


def test_receipt_shows_what_a_receipt_must_say(client, member, plan, settings):
    settings.ORG_NAME, settings.ORG_ADDRESS = "The Learned Society", "7 Quay Street, Bristol"
    payment = dues.record_payment(
        by=None,
        member=member,
        plan=plan,
        amount_cents=6000,
        method="bank_transfer",
        received_on=datetime.date(2026, 3, 2),
    )
    client.force_login(member.user)
    page = client.get(f"/membership/receipts/{payment.receipt_number}/").content.decode()
    for text in (payment.receipt_number, "$60.00", "2 March 2026", "Bank transfer", "The Learned Society", "7 Quay"):
        assert text in page


def test_another_members_receipt_is_404(client, member, plan):
    other = MemberFactory()
    payment = dues.record_payment(
        by=None, member=other, plan=plan, amount_cents=6000, method="cash", received_on=datetime.date.today()
    )
    client.force_login(member.user)
    assert client.get(f"/membership/receipts/{payment.receipt_number}/").status_code == 404


def test_receipts_need_signing_in(client, db):
    assert client.get("/membership/receipts/2026-00001/").status_code == 302


def _renewal_link(member):
    term = member.terms.order_by("-end").first()
    return urlsplit(links.renewal_url(member, term)).path


@pytest.fixture
def due_member(member, sliding_plan):
    dues.record_payment(
        by=None,
        member=member,
        plan=sliding_plan,
        amount_cents=1800,
        method="cheque",
        received_on=datetime.date.today() - datetime.timedelta(days=350),
    )
    return member


def test_renewal_link_opens_the_page_filled_in_and_a_get_changes_nothing(client, due_member):
    page = client.get(_renewal_link(due_member))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Renew your membership" in html and "Ann Example" in html and 'value="18.00"' in html
    assert not Checkout.objects.exists() and not PaymentPromise.objects.exists()
    assert Payment.objects.count() == 1


def test_renewal_link_records_a_promise_to_pay_by_cheque(client, due_member, sliding_plan):
    link = _renewal_link(due_member)
    response = client.post(
        link,
        {
            "plan": sliding_plan.slug,
            "pay": "offline",
            f"{sliding_plan.slug}-amount": "18",
            f"{sliding_plan.slug}-offline_method": "cheque",
        },
    )
    assert response.status_code == 302 and response["Location"] == link
    assert not PaymentPromise.objects.exists(), "nothing is promised until the member confirms"
    mail = composed(Delivery.objects.get(kind="promise-confirm"))
    assert mail.to == "ann@example.org" and "$18.00" in mail.body_text
    confirm = next(word for word in mail.body_text.split() if "/renew/confirm/" in word)
    confirm = confirm.removeprefix("http://testserver")
    assert "$18.00 by cheque" in client.get(confirm).content.decode()
    assert not PaymentPromise.objects.exists(), "a GET changes nothing"
    client.post(confirm)
    promise = PaymentPromise.objects.get()
    assert (promise.member, promise.amount_cents, promise.method) == (due_member, 1800, "cheque")
    assert Delivery.objects.filter(kind="promise-noted").exists()


def _promise_link(client, due_member, sliding_plan) -> str:
    data = {"plan": sliding_plan.slug, "pay": "offline", f"{sliding_plan.slug}-amount": "18"}
    client.post(_renewal_link(due_member), {**data, f"{sliding_plan.slug}-offline_method": "cheque"})
    body = composed(Delivery.objects.get(kind="promise-confirm")).body_text
    return next(word for word in body.split() if "/renew/confirm/" in word).removeprefix("http://testserver")


def test_a_promise_confirmation_link_works_once(client, due_member, sliding_plan):
    confirm = _promise_link(client, due_member, sliding_plan)
    client.post(confirm)
    PaymentPromise.objects.update(status=PaymentPromise.Status.WITHDRAWN)
    response = client.post(confirm)
    assert response.status_code == 400 and "used already" in response.content.decode()
    assert not PaymentPromise.objects.filter(status=PaymentPromise.Status.OPEN).exists()


def test_a_promise_confirmation_link_expires(client, due_member, sliding_plan):
    confirm = _promise_link(client, due_member, sliding_plan)
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=3)):
        response = client.post(confirm)
    assert response.status_code == 400 and "expired" in response.content.decode()
    assert not PaymentPromise.objects.exists()


def test_renewal_link_shows_no_member_number_or_standing(client, due_member):
    Member.objects.filter(pk=due_member.pk).update(member_number=48213)
    html = client.get(_renewal_link(due_member)).content.decode()
    assert "48213" not in html and "member number" not in html.lower()
    assert "You are a member until" not in html and "grace period" not in html


def test_renewal_link_offline_needs_a_method(client, due_member, sliding_plan):
    response = client.post(
        _renewal_link(due_member), {"plan": sliding_plan.slug, "pay": "offline", f"{sliding_plan.slug}-amount": "18"}
    )
    assert "Choose how you will pay" in response.content.decode()
    assert not PaymentPromise.objects.exists()


def test_renewal_link_pays_by_card_for_that_member_without_signing_in(client, due_member, sliding_plan, local_run):
    response = client.post(
        _renewal_link(due_member), {"plan": sliding_plan.slug, "pay": "card", f"{sliding_plan.slug}-amount": "18"}
    )
    client.post(response["Location"], {"action": "pay"})
    checkout = Checkout.objects.get()
    assert checkout.member == due_member and checkout.purpose == Checkout.Purpose.RENEWAL
    assert due_member.payments.count() == 2
    assert "_auth_user_id" not in client.session, "a link in an email never signs anyone in"


def test_a_tampered_renewal_link_is_refused(client, due_member):
    link = _renewal_link(due_member)
    token = link.split("/")[2]
    forged = link.replace(token, token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))
    response = client.get(forged)
    assert response.status_code == 400 and "not valid" in response.content.decode()


def test_a_renewal_link_expires(client, due_member, settings):
    link = _renewal_link(due_member)
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=settings.RENEWAL_LINK_MAX_AGE_DAYS + 1)
    with time_machine.travel(later):
        response = client.get(link)
    assert response.status_code == 400 and "expired" in response.content.decode()


def test_lifetime_member_is_told_there_is_nothing_to_pay(client, member, lifetime_plan):
    TermFactory(member=member, plan=lifetime_plan, end=None)
    client.force_login(member.user)
    page = client.get("/join/").content.decode()
    assert "You are a lifetime member" in page and 'name="pay"' not in page


def test_local_portal_cancels_auto_renew_through_the_webhook(client, member, plan, local_run):
    client.force_login(member.user)
    location = _choose(client, plan, auto_renew="on")["Location"]
    client.post(location, {"action": "pay"})
    assert "Manage card and auto-renew" in client.get("/membership/").content.decode()
    portal = client.post("/membership/billing/")
    assert portal["Location"] == "/membership/billing/test/"
    client.post(portal["Location"], {"action": "cancel"})
    member.refresh_from_db()
    assert not member.auto_renew and member.standing() == Standing.ACTIVE
    assert Delivery.objects.filter(kind="auto-renew-cancelled").count() == 1


def test_local_portal_declined_charge_reaches_the_treasurers_queue(client, member, plan, local_run):
    client.force_login(member.user)
    client.post(_choose(client, plan, auto_renew="on")["Location"], {"action": "pay"})
    client.post("/membership/billing/test/", {"action": "decline"})
    assert member.failed_payments.get().is_open
    assert "did not go through" in client.get("/membership/").content.decode()


def test_member_profile_exists_for_a_signed_in_user_without_one(client, db):
    member = MemberFactory()
    EmailAddress.objects.create(user=member.user, email=member.user.email, verified=True, primary=True)
    Member.objects.filter(pk=member.pk).delete()
    client.force_login(member.user)
    assert client.get("/membership/").status_code == 200


def test_local_portal_takes_the_yearly_charge_for_a_member_without_a_checkout(client, member, plan, local_run):
    """Members put on auto-renew by the demo (or an import) have no checkout behind them."""
    payment = dues.record_payment(
        by=None, member=member, plan=plan, amount_cents=6000, method="card", received_on=datetime.date.today()
    )
    Member.objects.filter(pk=member.pk).update(stripe_customer_id="cus_local_demo")
    dues.update_auto_renew(
        member=member,
        subscription_id="sub_local_demo",
        on=True,
        renews_on=payment.terms.get().end + datetime.timedelta(days=1),
        as_of=datetime.datetime.now(tz=datetime.UTC),
    )
    client.force_login(member.user)
    client.post("/membership/billing/test/", {"action": "charge"})
    assert member.payments.count() == 2
    assert member.paid_through() == dues.add_years(payment.terms.get().end, 1)
