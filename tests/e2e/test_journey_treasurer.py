"""Journey 4, with the keyboard only: a treasurer records a cheque for a lapsed member, who
becomes active and receives a receipt."""

from playwright.sync_api import expect

from members import roles
from members.models import Payment, Standing
from tests.e2e.conftest import PASSWORD, tab_to


def test_treasurer_records_a_cheque_for_a_lapsed_member_by_keyboard(site, page, check_page, person):
    person("tess@example.org", first_name="Tess", role=roles.TREASURER, term_days_ago=10)
    lars = person("lars@example.org", first_name="Lars", last_name="Lapsed", term_days_ago=500)
    assert lars.standing() == Standing.LAPSED

    page.goto(f"{site.url}/accounts/login/")
    tab_to(page, "Email")
    page.keyboard.type("tess@example.org")
    tab_to(page, "Password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/membership/")

    tab_to(page, "Manage")
    page.keyboard.press("Enter")
    page.wait_for_url("**/manage/")
    tab_to(page, "Members")
    page.keyboard.press("Enter")
    page.wait_for_url("**/manage/members/")
    check_page(page, "member-list")
    tab_to(page, "Search")
    page.keyboard.type("lars")
    page.keyboard.press("Enter")
    page.wait_for_url("**/manage/members/?q=lars*")
    tab_to(page, "Lars Lapsed")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Lars Lapsed")).to_be_visible()
    check_page(page, "member-page")
    tab_to(page, "Record a payment")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Record a payment")
    check_page(page, "record-payment")

    tab_to(page, "Method")
    page.keyboard.type("Che")  # a select follows the letters typed on it
    tab_to(page, "Amount (USD)")
    page.keyboard.type("60.00")
    tab_to(page, "Reference")
    page.keyboard.type("Cheque 000321")
    tab_to(page, "Record the payment")
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("Payment recorded")
    check_page(page, "payment-recorded")

    payment = Payment.objects.get(member=lars, reference="Cheque 000321")
    assert (payment.method, payment.amount_cents, payment.recorded_by.email) == ("cheque", 6000, "tess@example.org")
    lars.refresh_from_db()
    assert lars.standing() == Standing.ACTIVE
    receipt = site.mail_to("lars@example.org", "Receipt")
    assert payment.receipt_number in receipt.get_body(preferencelist=("plain",)).get_content()

    # The cheque is in the audit log, with who recorded it, on the member it was for.
    page.goto(f"{site.url}/manage/audit/")
    row = page.locator("tr", has_text=payment.audit_label())
    expect(row.first).to_contain_text("tess@example.org")
    check_page(page, "audit-log")
