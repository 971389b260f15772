"""A household plan from joining to lapse: a newcomer signs up and pays for the household
plan on the local test checkout, adds two people (each signs in with a code and is in good
standing), takes one off (who loses it that day); near the end of the year the payer renews
from the reminder's link and the person still covered is renewed with them; when the
household lapses, they lapse together."""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from members.models import Member, MembershipTerm, Standing
from tests.e2e.conftest import sign_in
from tests.e2e.plan_steps import pay_on_local_checkout, send_due_reminders, server_clock, sign_in_by_code, sign_up
from tests.factories import PlanFactory

ONE_DAY = datetime.timedelta(days=1)
HANAS = "Hana Household\N{RIGHT SINGLE QUOTATION MARK}s"


def _day(day: datetime.date) -> str:
    return date_format(day, "j F Y")


def _standing(email: str) -> Standing:
    return Member.objects.get(user__email=email).standing()


def _add_person(page, check_page, *, first: str, email: str, shot: str = "") -> None:
    page.get_by_role("link", name="Add a person").click()
    expect(page.get_by_role("heading", name="Add a person to your membership")).to_be_visible()
    page.get_by_label("Given name").fill(first)
    page.get_by_label("Family name").fill("Household")
    page.get_by_label("Their email address").fill(email)
    if shot:
        check_page(page, shot)
    page.get_by_role("button", name="Add this person").click()
    expect(page.locator(".messages")).to_contain_text(f"{first} Household is covered by your membership")


def _covered_person_signs_in(browser, site, email: str):
    """A new browser for the person, signed in from the link in their "you are covered" email."""
    person = browser.new_context().new_page()
    sign_in_by_code(person, site, site.link_in(site.mail_to(email, "You are a member"), "/accounts/login/code/"), email)
    return person


def test_a_household_joins_covers_two_people_renews_and_lapses_together(site, page, browser, check_page):
    PlanFactory(slug="regular", name="Regular member", amount_cents=6000, display_order=0)
    PlanFactory(slug="household", name="Household", amount_cents=9000, covers_people=3, display_order=1)

    with server_clock() as clock:
        page.goto(f"{site.url}/join/")
        household = page.locator("#plan-household")
        expect(household).to_contain_text("Covers up to 3 people")
        check_page(page, "join")
        household.get_by_role("button", name="Continue with this plan").click()
        sign_up(page, site, name="Hana Household", email="hana@example.org")
        page.locator("#plan-household").get_by_role("button", name="Pay by card").click()
        pay_on_local_checkout(page, check_page, amount="$90.00", shot="local-checkout")
        page.get_by_role("link", name="Go to my membership").click()

        first_end = Member.objects.get(user__email="hana@example.org").current_term().end
        covers = page.locator("#household")
        expect(covers).to_contain_text("2 places left.")
        check_page(page, "membership-payer")
        _add_person(page, check_page, first="Bob", email="bob@example.org", shot="add-a-person")
        _add_person(page, check_page, first="Cy", email="cy@example.org")
        expect(covers).to_contain_text("Every place is taken")
        check_page(page, "two-people-covered")

        bob = _covered_person_signs_in(browser, site, "bob@example.org")
        expect(bob.locator(".badge-active")).to_have_text("Active")
        expect(bob.locator("main")).to_contain_text(f"covered by {HANAS}, until {_day(first_end)}")
        expect(bob.get_by_role("link", name="Renew")).to_have_count(0)
        check_page(bob, "membership-covered")
        cy = _covered_person_signs_in(browser, site, "cy@example.org")
        expect(cy.locator(".badge-active")).to_have_text("Active")

        # A week later the payer takes Cy off: Cy's standing ends that day, with no grace period.
        clock.move_to(timezone.localdate() + datetime.timedelta(days=7))
        page.get_by_role("button", name="Take Cy Household off").click()
        expect(page.locator(".messages")).to_contain_text("no longer covered")
        expect(covers).to_contain_text("1 place left.")
        taken_off = timezone.localdate()
        cy.reload()
        expect(cy.locator(".badge-lapsed")).to_have_text("Lapsed")
        last_day = _day(taken_off - ONE_DAY)
        expect(cy.locator("dd", has_text=" to ")).to_have_text(
            f"{_day(taken_off - datetime.timedelta(days=7))} to {last_day}"
        )
        check_page(cy, "membership-taken-off")
        assert "taken you off" in site.mail_to("cy@example.org", "has ended").get_body(("plain",)).get_content()
        assert [_standing(e) for e in ("hana@example.org", "bob@example.org")] == [Standing.ACTIVE] * 2

        # Four weeks before the year ends: the dispatcher reminds the payer, and only the payer.
        clock.move_to(first_end - datetime.timedelta(days=28))
        send_due_reminders()
        reminder = site.mail_to("hana@example.org", "membership ends in 28 days")
        assert not [m for m in site.smtp.messages if "bob@" in str(m["To"]) and "ends in" in str(m["Subject"])]
        page.goto(site.link_in(reminder, "/renew/"))
        expect(page.get_by_role("heading", name="Renew your membership")).to_be_visible()
        check_page(page, "renew-from-reminder")
        page.locator("#plan-household").get_by_role("button", name="Pay by card").click()
        pay_on_local_checkout(page, check_page, amount="$90.00", shot="local-checkout-renewal")

        second_end = MembershipTerm.objects.filter(member__user__email="hana@example.org").latest("end").end
        assert second_end > first_end + datetime.timedelta(days=364)
        bob_terms = MembershipTerm.objects.filter(member__user__email="bob@example.org", cancelled_on__isnull=True)
        assert max(t.end for t in bob_terms) == second_end, "the person covered is renewed with the payer"
        cy_terms = MembershipTerm.objects.filter(member__user__email="cy@example.org", cancelled_on__isnull=True)
        assert all(t.end <= first_end for t in cy_terms), "a person taken off is not renewed"

        # In the renewed year Bob's old session has long ended: he signs in again, by a code.
        clock.move_to(first_end + ONE_DAY)
        bob = browser.new_context().new_page()
        sign_in_by_code(bob, site, f"{site.url}/accounts/login/code/", "bob@example.org")
        expect(bob.locator(".badge-active")).to_have_text("Active")
        expect(bob.locator("main")).to_contain_text(f"until {_day(second_end)}")
        check_page(bob, "membership-covered-renewed")

        # The household lapses: the grace period after the renewed year runs out for both.
        clock.move_to(second_end + datetime.timedelta(days=settings.MEMBERSHIP_GRACE_DAYS + 1))
        assert [_standing(e) for e in ("hana@example.org", "bob@example.org")] == [Standing.LAPSED] * 2
        bob = browser.new_context().new_page()
        sign_in_by_code(bob, site, f"{site.url}/accounts/login/code/", "bob@example.org")
        expect(bob.locator(".badge-lapsed")).to_have_text("Lapsed")
        expect(bob.locator("main")).to_contain_text(f"It ended on {_day(second_end)}, with theirs, and has lapsed")
        check_page(bob, "membership-covered-lapsed")
        sign_in(page, site, "hana@example.org")
        expect(page.locator(".badge-lapsed")).to_have_text("Lapsed")
        expect(page.get_by_role("link", name="Renew")).to_be_visible()
        expect(covers).to_contain_text("When you renew, the people below are covered again.")
        expect(covers.get_by_role("cell", name="bob@example.org")).to_be_visible()
        expect(covers.get_by_role("link", name="Add a person")).to_have_count(0)
        check_page(page, "membership-payer-lapsed")
