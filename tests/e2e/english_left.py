"""English left on a Spanish page or in a Spanish email.

The catalogues say which English we wrote: every msgid whose Spanish differs from it (ours,
and allauth's for the account pages it draws). A text a person reads on a page whose
<html lang> is "es" (a text node, a paragraph with its links and emphasis, a button's value,
a placeholder, a title, an aria-label, an alt, the document's <title>), or in an email meant
for a Spanish reader (the subject, each line and paragraph of the text part, the text of the
HTML part) that is exactly one of those msgids is English left behind. So is an English month
or weekday name, which says a date was formatted outside the reader's language.

Organiser content (event titles, plan and ticket-type names, questions) is the society's own
writing, not a msgid, so it does not count, unless it happens to be word for word one of our
msgids: a caller names such texts in `allowed`.
"""

import html
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def _allauth_catalogue() -> Path:
    import allauth

    return Path(allauth.__file__).parent / "locale" / "es" / "LC_MESSAGES" / "django.po"


CATALOGUES = (
    ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po",
    ROOT / "members" / "locale" / "es" / "LC_MESSAGES" / "django.po",
    ROOT / "events" / "locale" / "es" / "LC_MESSAGES" / "django.po",
)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
LETTERS = re.compile(r"[^\W\d_]")
# Placeholders stand for anything: a pattern means something only when it begins or ends with
# a word of its own ("Dear %(name)s,", "Pay %(amount)s"), not "%(one)s and %(other)s".
ANCHORED = re.compile(r"^[^\W\d_]{3,}|[^\W\d_]{3,}[^\w%{}]*$")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z¿¡])")
ENGLISH_DATES = re.compile(
    r"\b(January|February|March|April|June|July|August|September|October|November|December"
    r"|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|a\.m\.|p\.m\.|noon|midnight)(?!\w)"
)


def normalise(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", text)).split())


def _pairs(path: Path):
    with path.open("rb") as po:
        for message in read_po(po):
            if not message.id or not message.string or message.fuzzy:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for english in ids:
                yield normalise(english), tuple(normalise(s) for s in strings if s)


TRANSLATE_TAG = re.compile(r"""\{%\s*(?:translate|trans)\s+(?:"([^"]+)"|'([^']+)')[^%]*%\}""")


def _untranslated_template_strings(known: set[str]):
    """Strings our templates mark (`{% translate "…" %}`) that no catalogue holds yet: read in English."""
    for folder in (ROOT / "templates", *ROOT.glob("*/templates")):
        for path in folder.rglob("*"):
            if path.suffix in (".html", ".txt"):
                for double, single in TRANSLATE_TAG.findall(path.read_text()):
                    if normalise(double or single) not in known:
                        yield normalise(double or single)


@cache
def english_catalogue() -> tuple[frozenset[str], tuple[re.Pattern, ...]]:
    """The English we wrote whose Spanish differs: exact texts, and patterns for those with placeholders."""
    pairs = [pair for path in (*CATALOGUES, _allauth_catalogue()) for pair in _pairs(path)]
    spanish = {s for _, strings in pairs for s in strings}
    known = {english for english, _ in pairs}
    exact, patterns = set(_untranslated_template_strings(known)), {}
    for english, strings in pairs:
        if not LETTERS.search(english) or english in strings or english in spanish:
            continue
        if "%" in english or "{" in english:
            if not ANCHORED.search(english):
                continue
            parts = PLACEHOLDER.split(english.replace("%%", "%"))
            patterns[english] = re.compile(".+?".join(re.escape(part) for part in parts), re.S)
        else:
            exact.add(english)
    return frozenset(exact), tuple(patterns.values())


def english_in(texts, *, allowed=()) -> list[str]:
    """Each (where, text) whose text is English from our catalogues or an English date word."""
    exact, patterns = english_catalogue()
    allowed = {normalise(text) for text in allowed}
    found = []
    for where, raw in texts:
        text = normalise(raw)
        if not text or text in allowed:
            continue
        # A text may join sentences of several msgids ("Welcome. Your membership runs until …").
        sentences = SENTENCE_END.split(text)
        for piece in {text, *(sentences if len(sentences) > 1 else ())}:
            bare = piece.rstrip(":").rstrip()
            if piece in exact or bare in exact or any(p.fullmatch(piece) for p in patterns):
                found.append(f"{where}: {text!r}" + (f" (the sentence {piece!r})" if piece != text else ""))
        if (date := ENGLISH_DATES.search(text)) and not any(date.group(0) in a for a in allowed):
            found.append(f"{where}: {text!r} (the English word {date.group(0)!r})")
    return sorted(set(found))


# Gathered in the page: text nodes, elements of inline content as a whole (a msgid may hold a
# link), and the attributes a person or a screen reader reads.
PAGE_TEXTS = """() => {
  const out = [["<title>", document.title]];
  const skip = new Set(["SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT"]);
  const inline = new Set(["A", "STRONG", "EM", "B", "I", "SPAN", "CODE", "ABBR", "TIME", "SMALL", "BR", "KBD"]);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest("script, style, template, noscript")) continue;
    if (node.textContent.trim()) out.push([`<${parent.tagName.toLowerCase()}> text`, node.textContent]);
  }
  for (const element of document.body.querySelectorAll("*")) {
    if (skip.has(element.tagName)) continue;
    const children = [...element.children];
    if (children.length && children.every(child => inline.has(child.tagName))) {
      out.push([`<${element.tagName.toLowerCase()}>`, element.textContent]);
    }
    for (const name of ["placeholder", "title", "aria-label", "alt"]) {
      const value = element.getAttribute(name);
      if (value) out.push([`${name} of <${element.tagName.toLowerCase()}>`, value]);
    }
  }
  for (const input of document.querySelectorAll("input[type=submit], input[type=button], input[type=reset]")) {
    out.push(["value of <input>", input.value]);
  }
  return out;
}"""


def english_on_page(page, *, allowed=()) -> list[str]:
    """English texts on the page as it is now (in any language: the caller decides when to ask)."""
    return english_in(page.evaluate(PAGE_TEXTS), allowed=allowed)


def assert_spanish_page(page, *, allowed=()) -> None:
    found = english_on_page(page, allowed=allowed)
    assert not found, f"English left on {page.url}:\n" + "\n".join(found)


class _HTMLTexts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts, self._skipping = [], 0

    def handle_starttag(self, tag, attrs):
        self._skipping += tag in ("style", "script")
        for name, value in attrs:
            if name in ("alt", "title", "aria-label") and value:
                self.texts.append((f"HTML part, {name}", value))

    def handle_endtag(self, tag):
        self._skipping -= tag in ("style", "script") and self._skipping > 0

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.texts.append(("HTML part", data))


def mail_texts(message) -> list[tuple[str, str]]:
    """The subject, each line and each paragraph of the text part, and the HTML part's texts."""
    texts = [("subject", str(message["Subject"]))]
    text = message.get_body(preferencelist=("plain",)).get_content()
    texts += [("text line", line) for line in text.splitlines()]
    texts += [("text paragraph", block) for block in re.split(r"\n\s*\n", text)]
    html_part = message.get_body(preferencelist=("html",))
    if html_part is not None and html_part.get_content_type() == "text/html":
        parser = _HTMLTexts()
        parser.feed(html_part.get_content())
        texts += parser.texts
    return texts


def assert_spanish_mail(message, *, allowed=()) -> None:
    found = english_in(mail_texts(message), allowed=allowed)
    assert not found, f"English left in the email {str(message['Subject'])!r} to {message['To']}:\n" + "\n".join(found)
