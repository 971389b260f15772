"""Congress tickets with the keyboard alone (Tab, Enter, Space and typing): a member in good
standing signs in, buys a ticket at the member price, answers the congress's questions for
their attendee and pays on the local test checkout; the answers reach their RSVP."""

from playwright.sync_api import expect

from events import question_setup, questions
from events.models import RSVP
from events.ticket_records import Order, TicketType
from tests.e2e.conftest import PASSWORD, tab_to
from tests.factories import EventFactory


def _congress():
    event = EventFactory(kind="congress", title="Annual Congress", slug="annual-congress", capacity=100)
    TicketType.objects.create(event=event, name="Member", price_cents=4500, audience="good_standing")
    TicketType.objects.create(event=event, name="Non-member", price_cents=9000)
    diet = question_setup.add_question(
        event=event,
        details={"text": "Dietary needs", "kind": "one_choice", "choices": ["Vegetarian", "No special needs"],
                 "required": True},
        by=None,
    )  # fmt: skip
    club = question_setup.add_question(event=event, details={"text": "Affiliation", "kind": "short_text"}, by=None)
    return event, diet, club


def _type_into(page, label: str, text: str) -> None:
    tab_to(page, label)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_a_member_buys_at_the_member_price_and_answers_the_questions_by_keyboard(site, page, check_page, person):
    event, diet, club = _congress()
    person("kim@example.org", first_name="Kim", last_name="Keys", term_days_ago=30)

    page.goto(f"{site.url}/accounts/login/")
    _type_into(page, "Email", "kim@example.org")
    _type_into(page, "Password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site.url}/membership/")

    page.goto(f"{site.url}/events/{event.slug}/register/")
    check_page(page, "keyboard-register")
    _type_into(page, "How many Member tickets", "1")
    tab_to(page, "Name the attendees")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Who is coming")).to_be_visible()
    expect(page.locator("#id_a0-email")).to_have_value("kim@example.org")
    tab_to(page, "Vegetarian")
    page.keyboard.press("Space")
    _type_into(page, "Affiliation", "University of Leeds")
    check_page(page, "keyboard-attendees")
    tab_to(page, "Order and pay")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Local test checkout")).to_be_visible()
    check_page(page, "keyboard-test-checkout")
    tab_to(page, "Pay $45.00")
    page.keyboard.press("Enter")
    for _ in range(100):  # the worker applies the webhook; the buyer reloads the order's page
        if page.locator("#order-status").inner_text() == "Paid":
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(page.locator("#order-status")).to_have_text("Paid")
    expect(page.locator("#order-lines")).to_contain_text("University of Leeds")
    check_page(page, "keyboard-order-paid")

    order = Order.objects.get(event=event)
    assert order.total_cents == 4500 and order.user.email == "kim@example.org"
    rsvp = RSVP.objects.get(event=event, email="kim@example.org")
    assert rsvp.is_yes
    assert questions.answers_for(rsvp) == {diet.pk: "Vegetarian", club.pk: "University of Leeds"}
