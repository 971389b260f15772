"""People's choices: which optional emails an address gets, and one-click unsubscribe.

Everything is keyed by email address, so an attendee without an account has the
same choices as a member. Transactional mail (receipts, confirmations, sign-in)
ignores preferences: it is always sent.
"""

from email.utils import parseaddr
from urllib.parse import quote

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy

from config.languages import in_society_language
from notifications.models import OPTIONAL_CATEGORIES, Category, Preference, Suppression, UnsubscribeLink

# Where an erased person's address is written (RFC 2606's `.invalid` can never be reached):
# no email is ever sent to one, whatever list it turns up in.
ERASED_DOMAIN = "erased.invalid"
ERASED = gettext_lazy("The address was erased: it belongs to nobody.")


def normalise(email: str) -> str:
    return email.strip().lower()


def is_erased(email: str) -> bool:
    return email.endswith("@" + ERASED_DOMAIN)


def preference_for(email: str) -> Preference:
    """The saved choices for an address, or the default (every kind) unsaved."""
    email = normalise(email)
    return Preference.objects.filter(email=email).first() or Preference(email=email)


def unsubscribe_link(*, email: str, category: str) -> UnsubscribeLink:
    """The address's link for one category, made the first time it is needed."""
    email = normalise(email)
    link = UnsubscribeLink.objects.filter(email=email, category=category).first()
    if link is None:
        # ignore_conflicts: two workers making the same person's link at once both get the one that won.
        UnsubscribeLink.objects.bulk_create([UnsubscribeLink(email=email, category=category)], ignore_conflicts=True)
        link = UnsubscribeLink.objects.get(email=email, category=category)
    return link


def unsubscribe_links(pairs) -> dict[tuple[str, str], UnsubscribeLink]:
    """The links of many (address, category) pairs at once, made where missing: three
    queries for a whole batch of a mail worker."""
    pairs = {(normalise(email), category) for email, category in pairs}
    if not pairs:
        return {}
    emails = {email for email, _ in pairs}

    def known():
        rows = UnsubscribeLink.objects.filter(email__in=emails)
        return {(link.email, link.category): link for link in rows if (link.email, link.category) in pairs}

    links = known()
    missing = pairs - links.keys()
    if missing:
        # ignore_conflicts: two workers making the same person's link at once both get the one that won.
        made = [UnsubscribeLink(email=email, category=category) for email, category in missing]
        UnsubscribeLink.objects.bulk_create(made, ignore_conflicts=True)
        links = known()
    return links


def unsubscribe_mailto() -> str:
    return settings.UNSUBSCRIBE_EMAIL or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def list_unsubscribe_headers(link: UnsubscribeLink) -> dict[str, str]:
    """RFC 2369 and RFC 8058 headers: mail clients show an Unsubscribe button that
    POSTs to the link with no cookies, or send an email to the mailto."""
    mailto = f"mailto:{unsubscribe_mailto()}?subject={quote('unsubscribe ' + link.token)}"
    return {
        "List-Unsubscribe": f"<{link.url}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def save_preferences(*, email: str, choices: dict[str, bool]) -> Preference:
    """Record which optional categories an address wants; missing ones are left as they are."""
    with transaction.atomic():
        preference, _ = Preference.objects.select_for_update().get_or_create(email=normalise(email))
        for category in OPTIONAL_CATEGORIES:
            if category in choices:
                setattr(preference, category, bool(choices[category]))
        preference.save()
    return preference


def unsubscribe(*, link: UnsubscribeLink) -> Preference:
    """Stop the link's category of email to its address (RFC 8058 one-click)."""
    return save_preferences(email=link.email, choices={link.category: False})


def preferences_context(*, email: str, next_url: str = "/membership/") -> dict:
    """What `notifications/_preferences.html` needs, for a signed-in person's page."""
    from notifications.forms import PreferencesForm

    return {
        "preferences_form": PreferencesForm(preference=preference_for(email), auto_id="preferences_%s"),
        "preferences_action": reverse("notifications:my-preferences"),
        "preferences_next": next_url,
    }


def suppressed_text(reason: str) -> str:
    """Why nothing is sent to an address suppressed for `reason`, as a delivery keeps it."""
    label = _lowered(Suppression.Reason(reason).label)
    return in_society_language(gettext_lazy("Address suppressed (%(reason)s)."), reason=label)


# A choice's label in lower case, read in the language active when it is shown.
_lowered = lazy(lambda text: str(text).lower(), str)


def _reason(*, category: str, suppressed_for: str | None, preference: Preference | None) -> str:
    if suppressed_for:
        return suppressed_text(suppressed_for)
    if preference is not None and not preference.allows(category):
        chose = gettext_lazy("The recipient chose not to receive: %(category)s.")
        return in_society_language(chose, category=Category(category).label)
    return ""


# One query per email queued: is the address suppressed, and did it turn this category off?
BLOCK_QUERIES = {
    "invitations": (
        "SELECT (SELECT reason FROM notifications_suppression WHERE email = %s AND lifted_at IS NULL), "
        "(SELECT invitations FROM notifications_preference WHERE email = %s)"
    ),
    "reminders": (
        "SELECT (SELECT reason FROM notifications_suppression WHERE email = %s AND lifted_at IS NULL), "
        "(SELECT reminders FROM notifications_preference WHERE email = %s)"
    ),
    "newsletters": (
        "SELECT (SELECT reason FROM notifications_suppression WHERE email = %s AND lifted_at IS NULL), "
        "(SELECT newsletters FROM notifications_preference WHERE email = %s)"
    ),
}
SUPPRESSION_QUERY = "SELECT (SELECT reason FROM notifications_suppression WHERE email = %s AND lifted_at IS NULL), NULL"


def block_reason(*, email: str, category: str) -> str:
    """Why an email to this address in this category must not go out; empty if it may."""
    email = normalise(email)
    if is_erased(email):
        return in_society_language(ERASED)
    query = BLOCK_QUERIES.get(category)
    with connection.cursor() as cursor:
        cursor.execute(query or SUPPRESSION_QUERY, [email, email] if query else [email])
        suppressed_for, allowed = cursor.fetchone()
    preference = Preference(email=email, **{category: False}) if allowed is not None and not allowed else None
    return _reason(category=category, suppressed_for=suppressed_for, preference=preference)


def blocked_reasons(items) -> dict:
    """For (id, address, category) triples, why each must not go out (suppressed
    address, or opted out of its category); two queries for a whole batch."""
    items = list(items)
    addresses = {email for _, email, _ in items}
    in_force = Suppression.objects.filter(email__in=addresses, lifted_at__isnull=True)
    suppressed = dict(in_force.values_list("email", "reason"))
    optional = {email for _, email, category in items if category != Category.TRANSACTIONAL}
    choices = {p.email: p for p in Preference.objects.filter(email__in=optional)} if optional else {}
    reasons = {}
    for ident, email, category in items:
        reason = _reason(category=category, suppressed_for=suppressed.get(email), preference=choices.get(email))
        reason = in_society_language(ERASED) if is_erased(email) else reason
        if reason:
            reasons[ident] = reason
    return reasons
