"""Registration questions: an organiser asks two questions of an event, a member answers
them with a yes (a missing required answer is refused first, and nothing is held), changes
them from their own answer page, and the organiser reads them in the answers list, filtered,
and on the door list."""

import re

from playwright.sync_api import expect

from events.models import RSVP
from events.question_records import Answer
from members import roles
from tests.e2e.conftest import sign_in
from tests.factories import EventFactory

QUESTION = re.compile(r"^Question:?$")


def _add_questions(page, site, check_page, event) -> None:
    page.goto(f"{site.url}/manage/events/{event.slug}/")
    page.get_by_role("link", name="Registration questions").click()
    check_page(page, "questions-empty")
    page.get_by_label(QUESTION).fill("Dietary needs")
    page.get_by_label("Kind of answer").select_option("one_choice")
    page.get_by_label(re.compile(r"^Choices:?$")).fill("No special needs\nVegetarian\nOther")
    page.get_by_label("An answer is required").check()
    page.get_by_label("Show the answers on the door list").check()
    page.get_by_role("button", name="Add the question").click()
    expect(page.locator(".messages")).to_contain_text("The question is added")
    page.get_by_label(QUESTION).fill("Affiliation")
    page.get_by_label("Kind of answer").select_option("short_text")
    page.get_by_role("button", name="Add the question").click()
    expect(page.locator(".question-list li")).to_have_count(2)
    check_page(page, "questions")


def test_an_organiser_asks_questions_and_a_member_answers_them(site, page, browser, check_page, person):
    person("olu@example.org", role=roles.ORGANISER, term_days_ago=100)
    person("ann@example.org", first_name="Ann", term_days_ago=30)
    olu = RSVP._meta.get_field("user").related_model.objects.get(email="olu@example.org")
    event = EventFactory(title="Autumn congress", slug="autumn-congress", organisers=[olu])

    sign_in(page, site, "olu@example.org")
    _add_questions(page, site, check_page, event)

    ann = browser.new_context().new_page()
    sign_in(ann, site, "ann@example.org")
    ann.goto(f"{site.url}/events/{event.slug}/")
    check_page(ann, "event-with-questions")
    ann.get_by_label("Affiliation").fill("University of Leeds")
    ann.get_by_role("button", name="Yes, I'll come").click()
    expect(ann.locator("main")).to_contain_text("Please answer “Dietary needs”.")
    assert not RSVP.objects.filter(email="ann@example.org").exists(), "a refused answer holds nothing"
    check_page(ann, "event-answer-refused")
    ann.get_by_label("Vegetarian").check()
    ann.get_by_role("button", name="Yes, I'll come").click()
    expect(ann.locator(".messages")).to_contain_text("You're coming")
    assert RSVP.objects.get(email="ann@example.org").is_yes

    # Ann changes her answers from her own page.
    token = RSVP.objects.get(email="ann@example.org").token
    ann.goto(f"{site.url}/r/{token}/")
    expect(ann.locator("#your-answers")).to_contain_text("Vegetarian")
    check_page(ann, "own-answers")
    ann.locator("#your-answers").get_by_label("Other").check()
    ann.get_by_role("button", name="Save my answers").click()
    expect(ann.locator(".messages")).to_contain_text("Your answers to the questions are saved")
    assert set(Answer.objects.values_list("value", flat=True)) == {"Other", "University of Leeds"}

    # The organiser reads them: the answers list, filtered, and the door list.
    page.goto(f"{site.url}/manage/events/{event.slug}/rsvps/")
    page.get_by_label("Who answered").select_option(label="Other")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("main")).to_contain_text("Showing the people whose answer is Dietary needs: Other")
    expect(page.locator("main table").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("University of Leeds")
    check_page(page, "answers-filtered")
    page.goto(f"{site.url}/manage/events/{event.slug}/check-in/")
    expect(page.locator(".door-list")).to_contain_text("Other")
    expect(page.locator(".door-list")).not_to_contain_text("University of Leeds")
    check_page(page, "door-list-with-answers")
    assert re.search(r"Ann", page.locator(".door-list").inner_text())
