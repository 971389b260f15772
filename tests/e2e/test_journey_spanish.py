"""The Spanish walk, with the demo society: a visitor who picks Español joins (signs up, confirms
the email, pays on the local test checkout), answers an invitation from its email, and buys a
congress ticket at the member price, reading every page and every email in Spanish. Each page
goes through check_page (which, for a page in Spanish, fails on any English of ours) and each
email through the same detector."""

import io
import re

from django.core.management import call_command
from playwright.sync_api import expect

from events import invitations
from events.models import Event, Invitation
from events.ticket_records import Order
from members.models import Member, Payment, Standing, User
from tests.e2e.conftest import PASSWORD
from tests.e2e.english_left import assert_spanish_mail

EMAIL = "lucia@example.org"


def _organiser_content() -> list[str]:
    """What the demo society wrote itself (plans, events, tickets, questions): not our English,
    though a ticket may be named "Member", as one of our words is, or a plan mention December."""
    from events.question_records import Question
    from events.ticket_records import TicketType
    from members.models import Plan

    texts = [
        *TicketType.objects.values_list("name", flat=True),
        *TicketType.objects.values_list("name_second", flat=True),
    ]
    texts += [
        text
        for plan in Plan.objects.all()
        for text in (plan.name, plan.description, plan.name_second, plan.description_second)
    ]
    texts += [
        text
        for event in Event.objects.all()
        for text in (
            event.title,
            event.summary,
            event.description,
            event.title_second,
            event.summary_second,
            event.description_second,
        )
    ]
    for question in Question.objects.all():
        texts += [question.text, question.help_text, *question.choices]
    return [text for text in texts if text]


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _mail(site, subject: str, *words: str):
    """The email to the newcomer about `subject`, in Spanish throughout, holding each of `words`."""
    message = site.mail_to(EMAIL, subject)
    assert_spanish_mail(message, allowed=_organiser_content())
    text = _text(message)
    for word in words:
        assert word in text, f"{word!r} not in the email {message['Subject']!r}:\n{text}"
    return message


def _join(site, page, check_page):
    page.goto(site.url + "/")
    page.get_by_label("Language", exact=True).select_option("es")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    check_page(page, "front")
    page.get_by_role("link", name="Hágase socio").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hágase socio de")
    check_page(page, "join")
    expect(page.locator("#plan-regular")).to_contain_text("Socio ordinario")
    page.locator("#plan-regular").get_by_role("button", name="Continuar con esta modalidad").click()

    expect(page.get_by_role("heading", name="Cree su cuenta")).to_be_visible()
    page.get_by_label("Nombre completo:").fill("Lucía Ejemplo")
    page.get_by_label("Correo electrónico:").fill(EMAIL)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    check_page(page, "signup")
    page.get_by_role("button", name="Cree su cuenta").click()
    expect(page.get_by_role("heading", name="Revise su correo")).to_be_visible()
    check_page(page, "verify-sent")

    confirmation = _mail(site, "Confirme", "Abra este enlace para confirmar")
    page.goto(site.link_in(confirmation, "/accounts/confirm-email/"))
    check_page(page, "confirm-email")
    page.get_by_role("button", name="Confirmar").click()

    expect(page.get_by_role("button", name="Pagar con tarjeta")).to_be_visible()
    check_page(page, "join-chosen")
    page.get_by_role("button", name="Pagar con tarjeta").click()
    page.wait_for_url(re.compile(r"/join/test-checkout/"))
    expect(page.get_by_role("heading", name="Pasarela local de prueba")).to_be_visible()
    check_page(page, "local-checkout")
    page.get_by_role("button", name=re.compile(r"^Pagar ")).click()
    page.wait_for_url(re.compile(r"/join/done/"))
    expect(page.locator("#checkout-status")).to_have_attribute("data-confirmed", "true", timeout=20_000)
    member = Member.objects.get(user__email=EMAIL)
    assert member.standing() == Standing.ACTIVE
    expect(page.locator("#checkout-status")).to_contain_text(str(member.member_number))
    check_page(page, "payment-confirmed")

    page.get_by_role("link", name="Ir a mi afiliación").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, "membership")
    payment = Payment.objects.get(member=member)
    page.get_by_role("link", name=payment.receipt_number).click()
    check_page(page, "receipt")
    _mail(site, payment.receipt_number, "Lucía Ejemplo", payment.receipt_number)
    _mail(site, "Le damos la bienvenida", str(member.member_number))
    return member


def _answer_the_invitation(site, page, check_page):
    """The organiser invites the members in good standing to the demo forum again, now that the
    newcomer is one; she answers yes from the invitation's email."""
    forum = Event.objects.get(slug="members-forum-budget")
    invitations.invite(
        event=forum,
        segment=Invitation.Segment.GOOD_STANDING,
        by=User.objects.get(email="organiser@example.org"),
    )
    invitation = _mail(site, "Invitación", "Sí:", "¿Asistirá?")
    page.goto(site.link_in(invitation, "answer=yes"))
    check_page(page, "invitation-answer")
    page.get_by_role("button", name=re.compile("^Confirmar: sí")).click()
    expect(page.get_by_text("¡Asistirá!", exact=False).first).to_be_visible()
    check_page(page, "invitation-yes")
    _mail(site, "Asistirá")


def _buy_a_ticket(site, page, check_page):
    # The demo's congress keeps seats on sale, and reads in Spanish: its title, tickets and questions.
    page.goto(site.url + "/events/annual-congress/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Congreso anual de la Sociedad")
    check_page(page, "congress")
    page.goto(site.url + "/events/annual-congress/register/")
    check_page(page, "congress-register")
    page.get_by_label("Cuántas entradas Socio", exact=True).fill("1")
    page.get_by_role("button", name="Indicar los asistentes").click()
    check_page(page, "congress-attendees")
    page.locator("#id_a0-name").fill("Lucía Ejemplo")
    page.locator("#id_a0-email").fill(EMAIL)
    page.get_by_label("Vegetariana", exact=True).first.check()
    page.get_by_role("button", name="Hacer el pedido y pagar").click()
    expect(page.get_by_role("heading", name="Pasarela local de prueba")).to_be_visible()
    check_page(page, "congress-checkout")
    page.get_by_role("button", name=re.compile(r"^Pagar ")).click()
    for _ in range(100):  # the worker applies the webhook; the buyer reloads the order's page
        if page.locator("#order-status").inner_text() == "Pagado":
            break
        page.wait_for_timeout(200)
        page.reload()
    expect(page.locator("#order-status")).to_have_text("Pagado")
    check_page(page, "congress-order")
    page.get_by_role("link", name="Recibo para imprimir").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Recibo")
    check_page(page, "congress-receipt")
    order = Order.objects.filter(buyer_email=EMAIL).get()
    assert order.status == Order.Status.PAID
    _mail(site, "Su entrada", "Lucía")


def test_a_visitor_reading_spanish_joins_answers_and_buys_a_ticket_all_in_spanish(site, page, check_page):
    call_command("seed_demo", stdout=io.StringIO())
    organiser_content = _organiser_content()

    def check(page, name):
        check_page(page, name, allowed=organiser_content)

    member = _join(site, page, check)
    assert Member.objects.get(pk=member.pk).language == "es"
    _answer_the_invitation(site, page, check)
    _buy_a_ticket(site, page, check)
