"""A visitor picks Español in the footer's menu: the pages stay in Spanish as they go on,
and the sign-in code they ask for arrives in Spanish; once signed in, they read the language on
their profile, and choosing Español again keeps it there."""

from playwright.sync_api import expect

from members.models import Member


def test_a_visitor_reads_the_site_and_their_sign_in_email_in_spanish(site, page, check_page, person):
    member = person("lucia@example.org", first_name="Lucía")
    page.goto(site.url + "/")
    page.get_by_label("Language", exact=True).select_option("es")
    page.get_by_role("button", name="Change language").click()
    expect(page.get_by_role("link", name="Hágase socio")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    check_page(page, "front-es")

    page.goto(site.url + "/accounts/login/code/")
    expect(page.get_by_role("heading", name="Iniciar sesión con un código")).to_be_visible()
    page.locator("input[type=email]").fill("lucia@example.org")
    page.get_by_role("button", name="Enviarme un código").click()
    message = site.mail_to("lucia@example.org", "código de inicio de sesión")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Este es su código para iniciar sesión" in text

    lines = [line.strip() for line in text.splitlines()]
    after = lines[next(n for n, line in enumerate(lines) if "Este es su código" in line) + 1 :]
    code = next(line for line in after if line)
    page.locator("input[name=code]").fill(code)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url("**/membership/")

    # Signed in, the member reads the language on their profile (the society's default so far);
    # choosing Español in the menu keeps it on the profile, for the pages and the emails.
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_label("Language", exact=True).select_option("es")
    page.get_by_role("button", name="Change language").click()
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    assert Member.objects.get(pk=member.pk).language == "es"
