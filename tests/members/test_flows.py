"""The join and renewal flows: the plan chosen before signing up waits after it, the
renewal link opens the member's own plan, the membership page's main action follows
the member's state, the words for joining and renewing, and back to the event."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from members import dues, links
from members.models import Checkout, Standing
from members.renewal import main_action
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


@pytest.fixture
def local_run(settings):
    settings.DEBUG = True
    settings.STRIPE_SECRET_KEY = ""


def _pay_forms(page: str) -> int:
    return page.count('name="plan" value=')


def _paid(member, plan, *, days_ago: int, cents=None):
    return dues.record_payment(
        by=None,
        member=member,
        plan=plan,
        amount_cents=cents or plan.amount_cents,
        method="cheque",
        received_on=datetime.date.today() - datetime.timedelta(days=days_ago),
    )


def test_a_choice_made_signed_out_is_kept_in_the_session_and_shown_alone(client, plan, sliding_plan):
    client.post("/join/", {"plan": sliding_plan.slug, "pay": "card", f"{sliding_plan.slug}-amount": "12.50"})
    page = client.get("/join/").content.decode()
    assert _pay_forms(page) == 1 and f'value="{sliding_plan.slug}"' in page
    assert 'value="12.50"' in page and "Change plan" in page
    everything = client.get("/join/?all=1").content.decode()
    assert _pay_forms(everything) == 2


def test_after_signing_in_the_chosen_plan_waits_with_one_pay_button(client, member, plan, sliding_plan, local_run):
    client.post("/join/", {"plan": plan.slug, "pay": "card"})
    client.force_login(member.user)
    page = client.get("/join/").content.decode()
    assert _pay_forms(page) == 1 and "Regular member" in page and "$60.00" in page
    assert page.count(">Pay by card</button>") == 1
    response = client.post("/join/", {"plan": plan.slug, "pay": "card"})
    assert Checkout.objects.get().plan == plan and response.status_code == 302
    assert _pay_forms(client.get("/join/").content.decode()) == 2, "the kept choice is spent once paid"


def test_a_kept_choice_of_a_plan_since_closed_is_not_offered(client, member, plan, sliding_plan):
    client.post("/join/", {"plan": plan.slug, "pay": "card"})
    plan.is_open = False
    plan.save()
    client.force_login(member.user)
    page = client.get("/join/").content.decode()
    assert _pay_forms(page) == 1 and f'value="{sliding_plan.slug}"' in page


def test_renewal_link_opens_the_members_own_plan_and_amount_alone(client, member, plan, sliding_plan):
    _paid(member, plan, days_ago=350)
    path = urlsplit(links.renewal_url(member, member.terms.get())).path
    page = client.get(path).content.decode()
    assert _pay_forms(page) == 1 and f'value="{plan.slug}"' in page
    assert "Regular member</strong>, $60.00" in page and "Change plan" in page
    assert _pay_forms(client.get(f"{path}?all=1").content.decode()) == 2


@pytest.mark.parametrize(
    ("standing", "days_left", "action"),
    [
        (Standing.PENDING, None, "pay"),
        (Standing.ACTIVE, 200, ""),
        (Standing.ACTIVE, 30, "renew"),
        (Standing.GRACE, -3, "renew"),
        (Standing.LAPSED, -90, "renew"),
    ],
)
def test_the_main_action_follows_the_members_state(standing, days_left, action, settings):
    settings.RENEWAL_REMINDER_DAYS_BEFORE_END = [30, 7, 0]
    paid_through = TODAY + datetime.timedelta(days=days_left) if days_left is not None else None
    assert main_action(standing, paid_through, today=TODAY) == action


def test_membership_page_offers_renew_within_the_window_and_the_terms_end_before_it(client, member, plan):
    _paid(member, plan, days_ago=10)
    client.force_login(member.user)
    page = client.get("/membership/").content.decode()
    assert "/renew/" not in page and "You can renew from" in page
    member.terms.update(end=datetime.date.today() + datetime.timedelta(days=5))
    assert "/renew/" in client.get("/membership/").content.decode()


def test_the_menu_shows_join_to_non_members_and_membership_to_members(client, member, plan):
    client.force_login(member.user)
    page = client.get("/events/").content.decode()
    assert 'href="/join/"' in page
    _paid(member, plan, days_ago=500)  # lapsed: still a member, asked to renew
    page = client.get("/events/").content.decode()
    assert 'href="/join/"' not in page and ">Membership</a>" in page


def _pay_locally(client, checkout_url: str) -> str:
    paid = client.post(checkout_url, {"action": "pay"})
    return client.get(paid["Location"]).content.decode()


def test_a_renewal_is_greeted_as_a_renewal(client, member, plan, local_run):
    _paid(member, plan, days_ago=350)
    client.force_login(member.user)
    response = client.post("/join/", {"plan": plan.slug, "pay": "card"})
    done = _pay_locally(client, response["Location"])
    member.refresh_from_db()
    until = member.paid_through()
    assert f"Your membership is renewed to {until.day} {until:%B %Y}." in done
    assert "Welcome" not in done


def test_joining_says_welcome(client, member, plan, local_run):
    client.force_login(member.user)
    response = client.post("/join/", {"plan": plan.slug, "pay": "card"})
    done = _pay_locally(client, response["Location"])
    assert "Welcome, you are a member" in done and "renewed" not in done


def test_renewing_from_an_event_returns_to_it(client, member, plan, local_run):
    _paid(member, plan, days_ago=500)
    client.force_login(member.user)
    page = client.get("/join/?return_path=/events/annual-lecture/").content.decode()
    assert _pay_forms(page) == 1, "a lapsed member sees their own plan ready"
    response = client.post("/join/?return_path=/events/annual-lecture/", {"plan": plan.slug, "pay": "card"})
    assert Checkout.objects.get().return_path == "/events/annual-lecture/"
    done = _pay_locally(client, response["Location"])
    assert 'href="/events/annual-lecture/"' in done and "Back to where you were" in done


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "events/x", "/\\evil.example"]
)
def test_a_return_path_off_the_site_is_dropped(client, member, plan, local_run, target):
    client.force_login(member.user)
    client.post(f"{reverse('members:join')}?return_path={target}", {"plan": plan.slug, "pay": "card"})
    assert Checkout.objects.get().return_path == ""


def test_the_return_path_survives_signing_up(client, plan):
    client.post("/join/?return_path=/events/annual-lecture/", {"plan": plan.slug, "pay": "card"})
    someone = MemberFactory()
    client.force_login(someone.user)
    page = client.get("/join/").content.decode()
    assert "return_path=%2Fevents%2Fannual-lecture%2F" in page


def test_the_status_the_page_polls_greets_a_renewal_as_a_renewal(client, member, plan, local_run):
    _paid(member, plan, days_ago=350)
    client.force_login(member.user)
    response = client.post("/join/", {"plan": plan.slug, "pay": "card"})
    client.post(response["Location"], {"action": "pay"})
    checkout = Checkout.objects.get()
    status = client.get(reverse("members:checkout-status", args=[checkout.public_id])).json()
    assert status["renewal"] is True and status["greeting"].startswith("Your membership is renewed to ")


def test_a_stored_return_path_off_the_site_is_not_shown(client, member, plan, local_run):
    client.force_login(member.user)
    response = client.post("/join/", {"plan": plan.slug, "pay": "card"})
    Checkout.objects.update(return_path="//evil.example/")
    done = _pay_locally(client, response["Location"])
    assert "evil.example" not in done and "Back to where you were" not in done


def test_change_plan_keeps_the_way_back_to_the_event(client, member, plan, sliding_plan):
    _paid(member, plan, days_ago=500)
    client.force_login(member.user)
    page = client.get("/join/?return_path=/events/annual-lecture/").content.decode()
    assert 'href="/join/?all=1&amp;return_path=%2Fevents%2Fannual-lecture%2F"' in page
    everything = client.get("/join/?all=1&return_path=/events/annual-lecture/").content.decode()
    assert _pay_forms(everything) == 2 and "return_path=%2Fevents%2Fannual-lecture%2F" in everything
