"""A treasurer imports a Wild Apricot export through the pages (map, dry run, import by
the worker, invite), and an imported member claims their account with a code."""

import re

from playwright.sync_api import expect

from members import roles
from members.models import Member
from tests.e2e.conftest import sign_in
from tests.factories import LifetimePlanFactory, PlanFactory
from tests.members.import_steps import FILES

NARROW = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}


def _both_widths(page, check_page, name: str) -> None:
    page.set_viewport_size(NARROW)
    check_page(page, f"{name}-390")
    page.set_viewport_size(WIDE)
    check_page(page, f"{name}-1280")


def test_a_treasurer_imports_a_member_list_and_a_member_claims_their_account(site, page, browser, check_page, person):
    PlanFactory(name="Regular member", slug="regular")
    PlanFactory(name="Student", slug="student", amount_cents=2000)
    LifetimePlanFactory(name="Lifetime", slug="lifetime-plan")
    person("tess@example.org", first_name="Tess", role=roles.TREASURER)
    sign_in(page, site, "tess@example.org")

    page.goto(f"{site.url}/manage/members/")
    page.get_by_role("link", name="Import a member list").click()
    _both_widths(page, check_page, "upload")
    page.get_by_label("Member list (CSV)").set_input_files(str(FILES / "wild_apricot_contacts.csv"))
    page.get_by_role("button", name="Upload and read the file").click()
    expect(page.get_by_label("Membership level")).to_have_value("plan")
    _both_widths(page, check_page, "columns")

    page.get_by_role("button", name="Make the dry run").click()
    expect(page.get_by_text("Nothing has been written.")).to_be_visible()
    _both_widths(page, check_page, "dry-run")
    page.get_by_role("button", name=re.compile("Import: change 3 people")).click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("3 of 3 rows done.")).to_be_visible()
    page.get_by_role("button", name="Send the invitations").click()
    expect(page.get_by_text("Invitations are being sent to 3 people.")).to_be_visible()
    _both_widths(page, check_page, "imported")

    invitation = site.mail_to("vera@example.net", "is now online")
    link = site.link_in(invitation, "/accounts/login/code/")
    vera = browser.new_page()
    vera.goto(link)
    expect(vera.get_by_label("Email")).to_have_value("vera@example.net")
    vera.get_by_role("button", name="Email me a code").click()
    code_mail = site.mail_to("vera@example.net", "sign-in code")
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", code_mail.get_body(("plain",)).get_content(), re.M).group(1)
    vera.get_by_label("Code").fill(code)
    vera.get_by_role("button", name="Confirm").click()
    vera.wait_for_url("**/membership/")
    number = Member.objects.get(user__email="vera@example.net").member_number
    expect(vera.get_by_text("Active").first).to_be_visible()
    expect(vera.get_by_text(str(number)).first).to_be_visible()
