"""Signing up and joining ask for the name (and the address when the plan needs one), and
receipts, emails and lists use it."""

import pytest
from django.utils import timezone

from audit.models import Entry
from members import dues
from members.models import Member, PaymentPromise, Plan, User
from members.names import guess_sort_name
from tests.factories import MemberFactory, PlanFactory
from tests.mail import mails

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unusual passphrase"
TODAY = timezone.localdate()


def _sign_up(client, **fields):
    form = {"full_name": "Vera van der Berg", "email": "vera@example.net", "password1": PASSWORD, "password2": PASSWORD}
    return client.post("/accounts/signup/", {**form, **fields})


@pytest.mark.parametrize(
    ("full_name", "guess"),
    [("Vera van der Berg", "Berg"), ("  Ann   Example ", "Example"), ("Madonna", "Madonna"), ("", "")],
)
def test_the_name_to_sort_by_is_guessed_from_the_last_word(full_name, guess):
    assert guess_sort_name(full_name) == guess


def test_the_sign_up_page_asks_for_the_full_name_first(client):
    page = client.get("/accounts/signup/").content.decode()
    assert page.index('name="full_name"') < page.index('name="sort_name"') < page.index('name="email"')
    assert 'autocomplete="name"' in page and "Name to sort by" in page


def test_signing_up_keeps_the_name_and_the_guessed_name_to_sort_by(client):
    assert _sign_up(client).status_code == 302
    member = Member.objects.get(user__email="vera@example.net")
    assert (member.full_name, member.sort_name, member.name) == ("Vera van der Berg", "Berg", "Vera van der Berg")


def test_the_name_to_sort_by_can_be_given(client):
    _sign_up(client, sort_name="van der Berg")
    assert Member.objects.get(user__email="vera@example.net").sort_name == "van der Berg"


def test_signing_up_without_a_name_says_so_and_creates_nothing(client):
    response = _sign_up(client, full_name="   ")
    assert response.status_code == 200 and "Enter your name." in response.content.decode()
    assert not User.objects.exists()


def _join(client, plan, **data):
    post = {"plan": plan.slug, "pay": "offline", f"{plan.slug}-offline_method": "cheque"}
    post.update({f"{plan.slug}-{key}": value for key, value in data.items()})
    return client.post("/join/", post)


@pytest.fixture
def address_plan(db):
    return PlanFactory(slug="fellow", name="Fellow", needs_address=True)


def test_joining_a_plan_that_needs_an_address_asks_for_it(client, address_plan, plan):
    member = MemberFactory(full_name="Vera Berg", first_name="", last_name="")
    client.force_login(member.user)
    page = client.get("/join/").content.decode()
    assert 'name="fellow-address_line1"' in page and 'name="fellow-country"' in page
    assert 'name="regular-address_line1"' not in page, "only the plan that needs it asks"
    assert 'name="fellow-full_name"' not in page, "the member has a name already"

    page = _join(client, address_plan, city="Bergen").content.decode()
    assert "This field is required." in page
    assert not PaymentPromise.objects.exists(), "nothing promised while the address is missing"

    response = _join(
        client, address_plan, address_line1="Bryggen 1", city="Bergen", postal_code="5003", country="Norway"
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.address_line1, member.city, member.postal_code, member.country) == (
        "Bryggen 1",
        "Bergen",
        "5003",
        "Norway",
    )
    assert PaymentPromise.objects.get().plan == address_plan
    assert 'name="fellow-address_line1"' not in client.get("/join/").content.decode(), "asked once"


def test_joining_asks_the_name_of_an_account_that_has_none(client, plan):
    member = MemberFactory(first_name="", last_name="")
    client.force_login(member.user)
    assert 'name="regular-full_name"' in client.get("/join/").content.decode()
    _join(client, plan, full_name="Ola Nordmann")
    member.refresh_from_db()
    assert (member.name, member.sort_name) == ("Ola Nordmann", "Nordmann")


def test_a_plan_says_whether_it_needs_an_address(client, treasurer, plan):
    client.force_login(treasurer)
    assert 'name="needs_address"' in client.get(f"/manage/plans/{plan.pk}/").content.decode()
    form = {"name": plan.name, "slug": plan.slug, "pricing": "fixed", "amount_cents": "60", "period": "yearly"}
    form.update({"auto_renew_offered": "on", "is_open": "on", "needs_address": "on", "display_order": "0"})
    assert client.post(f"/manage/plans/{plan.pk}/", form).status_code == 302
    assert Plan.objects.get(pk=plan.pk).needs_address
    assert Entry.objects.get(action="plan.edited").changes == {"needs_address": [False, True]}


def test_receipts_and_emails_use_the_name(plan):
    member = MemberFactory(user__email="vera@example.net", full_name="Vera van der Berg", first_name="", last_name="")
    payment = dues.record_payment(
        member=member, plan=plan, amount_cents=6000, method="cheque", received_on=TODAY, by=None
    )
    receipt, welcome = mails(kind="receipt")[0], mails(kind="welcome")[0]
    assert "Dear Vera van der Berg," in receipt.body_text and "Dear Vera van der Berg," in welcome.body_text
    assert "Received from: Vera van der Berg, member number" in receipt.body_text
    assert "Dear member" not in receipt.body_text + welcome.body_text
    assert payment.receipt_number in receipt.subject


def test_the_member_list_sorts_by_the_name_to_sort_by(client, treasurer):
    MemberFactory(full_name="Zoe Adams", sort_name="Adams")
    MemberFactory(full_name="Vera van der Berg", sort_name="Berg")
    MemberFactory(first_name="Carl", last_name="Cole")  # named only by given and family names
    MemberFactory(full_name="Anna Zweig", sort_name="Zweig")
    client.force_login(treasurer)
    page = client.get("/manage/members/", {"q": ""}).context["page"]
    names = [m.name for m in page if m.name]
    assert names == ["Zoe Adams", "Vera van der Berg", "Carl Cole", "Anna Zweig"]
