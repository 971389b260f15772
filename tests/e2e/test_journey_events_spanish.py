"""A visitor who picks Español answers an event in Spanish: the event's page, the email with the
link that confirms the answer, the answer page and the confirmation of the yes."""

import re

from playwright.sync_api import expect

from tests.factories import EventFactory


def test_a_visitor_reading_spanish_answers_an_event_from_the_email(site, page, check_page):
    event = EventFactory(title="Foro sobre ríos limpios")
    page.goto(site.url + "/")
    page.get_by_label("Language", exact=True).select_option("es")
    page.get_by_role("button", name="Change language").click()
    page.goto(site.url + event.get_absolute_url())
    expect(page.get_by_role("heading", name="¿Asistirá?")).to_be_visible()
    check_page(page, "event-es")

    page.get_by_label("Su nombre").fill("Lucía Ejemplo")
    page.get_by_label("Su correo electrónico").fill("lucia@example.org")
    page.get_by_label("Sí, asistiré").check()
    page.get_by_role("button", name="Enviarme el enlace").click()
    expect(page.get_by_text("Casi listo: hemos enviado un enlace a lucia@example.org")).to_be_visible()

    message = site.mail_to("lucia@example.org", "Confirme su respuesta")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "pidió responder «sí» a Foro sobre ríos limpios" in text
    page.goto(site.link_in(message, "answer=yes"))
    page.get_by_role("button", name=re.compile("^Confirmar: sí")).click()
    expect(page.get_by_text("¡Asistirá!", exact=False).first).to_be_visible()
    site.mail_to("lucia@example.org", "Asistirá: Foro sobre ríos limpios")
