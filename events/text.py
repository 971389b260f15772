"""Event descriptions: Markdown written by organisers, made safe to show.

Markdown turns the text into HTML; nh3 then keeps only harmless tags and
attributes, so a pasted <script> or an onclick never reaches a visitor.
"""

import functools
import html
import re

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "blockquote", "code", "pre",
    "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


HEADING = re.compile(r"<(/?)h([1-6])\b")


def _headings_from_h3(html: str) -> str:
    """Shift headings so the description's highest one is an h3, keeping their order without gaps."""
    levels = sorted({int(level) for _, level in HEADING.findall(html)})
    if not levels:
        return html
    shifted = {level: min(3 + index, 6) for index, level in enumerate(levels)}
    return HEADING.sub(lambda m: f"<{m.group(1)}h{shifted[int(m.group(2))]}", html)


def render_markdown(text: str) -> SafeString:
    """Sanitised HTML for a description. Headings start at h3: the page has its own h1 and h2."""
    return mark_safe(_sanitised_html(text or ""))  # noqa: S308 - nh3 has removed everything unsafe


# The same text always gives the same HTML, and converting it was a fifth of an event
# page's time (benchmarks/README.md, B2): each process keeps the last descriptions it made.
@functools.lru_cache(maxsize=256)
def _sanitised_html(text: str) -> str:
    html = _headings_from_h3(markdown.markdown(text, extensions=["extra", "sane_lists"], output_format="html"))
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def plain_text(text: str, *, limit: int = 200) -> str:
    """The description's words without markup, for meta tags: at most `limit` characters."""
    words = " ".join(html.unescape(nh3.clean(render_markdown(text), tags=set())).split())
    return words if len(words) <= limit else words[: limit - 1].rsplit(" ", 1)[0] + "…"
