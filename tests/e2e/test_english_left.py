"""The detector of English left on Spanish pages and in Spanish emails catches our English,
wherever a person reads it, and lets Spanish, organiser content and the allowed texts be."""

from email.message import EmailMessage

import pytest

from tests.e2e.english_left import english_catalogue, english_in, english_on_page, mail_texts

SPANISH_PAGE = """<!doctype html><html lang="es"><head><title>Hágase socio · Sociedad</title></head>
<body><main><h1>Hágase socio</h1><p>Foro sobre ríos limpios</p>
<form><label for="e">Correo electrónico:</label><input id="e" placeholder="usted@example.org">
<button>Cerrar sesión</button></form></main></body></html>"""


def test_the_catalogue_holds_our_english_and_not_what_reads_the_same_in_spanish():
    exact, patterns = english_catalogue()
    assert "Sign out" in exact and "Become a member" in exact
    assert "Hágase socio" not in exact
    assert not {"OK", "Total", ""} & exact, "what reads the same in both languages is no finding"
    assert any(pattern.fullmatch("Dear Nova Newcomer,") for pattern in patterns)


@pytest.mark.parametrize(
    "text",
    [
        "Sign out",
        "  Become\n   a member ",
        "Email:",
        "Dear Nova Newcomer,",
        "Thursday 3 December 2026, 9 a.m.",
        "Membership",
        "Bienvenido, ya es socio. Your membership runs until 2 de diciembre de 2027.",
    ],
)
def test_english_texts_are_named(text):
    found = english_in([("here", text)])
    assert found and found[0].startswith("here: ")


def test_spanish_and_organiser_content_pass():
    texts = [("a", "Cerrar sesión"), ("b", "Annual Congress of the Society"), ("c", "Vegetarian"), ("d", "")]
    assert english_in(texts) == []
    assert english_in([("e", "Member")], allowed=["Member"]) == []


def test_a_page_in_spanish_passes_and_each_english_text_is_named_where_it_is(page):
    page.set_content(SPANISH_PAGE)
    assert english_on_page(page) == []

    page.set_content(
        SPANISH_PAGE.replace("Cerrar sesión", "Sign out")
        .replace("usted@example.org", "Your email address")
        .replace("<h1>Hágase socio", '<h1 aria-label="Become a member">Hágase socio')
        .replace("Hágase socio · Sociedad", "Become a member")
        .replace("<p>Foro", '<p>Read our <a href="/privacy/">privacy page</a>.</p><p>Foro')
    )
    found = "\n".join(english_on_page(page))
    assert "<button> text: 'Sign out'" in found
    assert "aria-label of <h1>: 'Become a member'" in found
    assert "<title>: 'Become a member'" in found


def test_an_email_is_read_line_by_line_subject_and_html_included():
    message = EmailMessage()
    message["Subject"] = "Your ticket: Annual Congress"
    message["To"] = "lucia@example.org"
    message.set_content("Estimada Lucía:\n\nGo to my membership\n")
    message.add_alternative("<p>Hola</p><p>Sign out</p>", subtype="html")
    found = "\n".join(english_in(mail_texts(message)))
    assert "text line: 'Go to my membership'" in found
    assert "HTML part: 'Sign out'" in found
