"""On a phone a data table becomes labelled cards; the check every page of the walk gets at
390 px (conftest.check_page) finds a value shown with no label. Here on a table of answer
counts like the organiser's, with the site's own stylesheets and script."""

from pathlib import Path

from tests.e2e.conftest import UNLABELLED_CELLS, WIDER_THAN_WINDOW

STATIC = Path(__file__).resolve().parents[2] / "static"
PHONE = {"width": 390, "height": 844}
HEADERS = ("Yes", "Guests", "Maybe", "No", "Waitlisted", "Seats left")
VALUES = ("4", "2", "1", "1", "2", "0 of 6")
TABLE = (
    '<main><div class="table-scroll"><table class="table"><thead><tr>'
    + "".join(f'<th scope="col" class="num">{header}</th>' for header in HEADERS)
    + "</tr></thead><tbody><tr>"
    + "".join(f'<td class="num">{value}</td>' for value in VALUES)
    + '</tr><tr><td colspan="6">Nobody else yet.</td></tr></tbody></table></div></main>'
)


def _page(page, *, phone_css: bool, script: bool) -> None:
    """The table on a phone-sized page with site.css, and phone.css and the labelling script if asked."""
    sheets = ["site.css", "phone.css"] if phone_css else ["site.css"]
    head = "".join(f"<style>{(STATIC / 'css' / sheet).read_text()}</style>" for sheet in sheets)
    body = TABLE + (f"<script>{(STATIC / 'js' / 'table-labels.js').read_text()}</script>" if script else "")
    page.set_viewport_size(PHONE)
    viewport = '<meta name="viewport" content="width=device-width">'
    page.set_content(f'<!DOCTYPE html><html lang="en"><head>{viewport}{head}</head><body>{body}</body></html>')


def test_the_check_finds_the_bare_numbers_of_a_table_stacked_without_labels(page):
    _page(page, phone_css=False, script=False)
    assert page.evaluate(UNLABELLED_CELLS) == list(VALUES)


def test_on_a_phone_each_value_is_shown_with_its_columns_header(page):
    _page(page, phone_css=True, script=True)
    assert page.evaluate(UNLABELLED_CELLS) == []
    assert page.evaluate(WIDER_THAN_WINDOW) == []
    labels = page.evaluate(
        """() => [...document.querySelectorAll("tbody td[data-label]")].map(
            (cell) => `${getComputedStyle(cell, "::before").content} ${cell.innerText}`)"""
    )
    assert labels[0] == '"Yes" 4' and labels[-1] == '"Seats left" 0 of 6'
    assert page.evaluate("document.querySelector('table').tHead.getBoundingClientRect().height") <= 1


def test_without_the_script_a_table_keeps_its_headers(page):
    _page(page, phone_css=True, script=False)
    assert page.evaluate(UNLABELLED_CELLS) == []
    assert page.evaluate("document.querySelector('table').tHead.getBoundingClientRect().height") > 10
