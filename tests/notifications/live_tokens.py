"""Find working personal links in a page: every string that looks like a token, checked
against every kind of key the product hands out (an RSVP's token, an unsubscribe link,
a private calendar feed, the signed renewal, card, promise and check-in links)."""

import html
import re
from urllib.parse import unquote

from events import checkin
from events.models import RSVP, CalendarFeed
from members import links
from notifications.models import UnsubscribeLink

# Tokens are URL-safe base64, and signed values join their parts with ":" (compressed
# ones start with "."): anything else ends a candidate.
CANDIDATE = re.compile(r"[A-Za-z0-9_\-:.]{8,}")
SIGNED_READERS = {
    "renewal link": links.read_renewal_token,
    "card link": links.read_card_token,
    "promise confirmation link": links.read_promise_token,
}


def candidates(text: str) -> set[str]:
    # Twice unescaped: a message's HTML is kept escaped inside the page's srcdoc attribute.
    plain = unquote(html.unescape(html.unescape(text)))
    found = set()
    for match in CANDIDATE.findall(plain):
        for piece in (match, match.strip(".:"), "." + match.strip(".:")):
            found.add(piece)
        found.update(part for part in match.split("/") if len(part) >= 8)
    return found


def live_tokens(text: str) -> set[tuple[str, str]]:
    """(what, token) for every working key in `text`."""
    strings = candidates(text)
    found = {("RSVP token", t) for t in RSVP.objects.filter(token__in=strings).values_list("token", flat=True)}
    found |= {
        ("unsubscribe token", t)
        for t in UnsubscribeLink.objects.filter(token__in=strings).values_list("token", flat=True)
    }
    found |= {
        ("calendar feed token", t)
        for t in CalendarFeed.objects.filter(token__in=strings).values_list("token", flat=True)
    }
    for candidate in strings:
        for what, read in SIGNED_READERS.items():
            try:
                read(candidate)
            except (links.InvalidLink, KeyError, TypeError, ValueError):
                continue
            found.add((what, candidate))
        if ":" in candidate and checkin.rsvp_for_code(candidate) is not None:
            found.add(("check-in code", candidate))
    return found
