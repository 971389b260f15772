from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from notifications import mailbox, preferences
from notifications.forms import PreferencesForm
from notifications.models import Category, UnsubscribeLink


def _local_only():
    if not settings.DEBUG:
        raise Http404("The local mailbox exists only when DEBUG is on.")


@require_safe
def mailbox_list(request):
    _local_only()
    to = request.GET.get("to", "").strip()
    return render(request, "notifications/mailbox_list.html", {"mails": mailbox.list_messages(to=to), "to": to})


@require_safe
def mailbox_detail(request, message_id):
    _local_only()
    mail = mailbox.get_message(message_id)
    if mail is None:
        raise Http404("No such message.")
    attachments = mail.attachment_list()
    html = mail.body("html")
    if html:
        # Inline images (cid:…) are served from this mailbox, as a mail client would show them.
        for item in attachments:
            if item["content_id"]:
                url = reverse("notifications:mailbox-attachment", args=[mail.id, item["index"]])
                html = html.replace(f"cid:{item['content_id']}", url)
        # Links in the framed message open in the whole window, like a mail client.
        html = (
            html.replace("<head>", '<head><base target="_top">', 1)
            if "<head>" in html
            else ('<base target="_top">' + html)
        )
    context = {"mail": mail, "html": html, "text": mail.body("plain"), "attachments": attachments}
    return render(request, "notifications/mailbox_detail.html", context)


@require_safe
def mailbox_attachment(request, message_id, index):
    _local_only()
    mail = mailbox.get_message(message_id)
    attachments = mail.attachments() if mail else []
    if index >= len(attachments):
        raise Http404("No such attachment.")
    part = attachments[index]
    response = HttpResponse(part.get_content(), content_type=part.get_content_type())
    response["Content-Disposition"] = f'inline; filename="{part.get_filename() or "attachment"}"'
    return response


@require_POST
def mailbox_empty(request):
    _local_only()
    count = mailbox.empty_mailbox()
    text = ngettext(
        "Deleted %(count)d message from the local mailbox.", "Deleted %(count)d messages from the local mailbox.", count
    )
    messages.success(request, text % {"count": count})
    return redirect("notifications:mailbox")


# Unsubscribe and preferences ----------------------------------------------------------


def _link_or_404(token: str) -> UnsubscribeLink:
    return get_object_or_404(UnsubscribeLink, token=token)


@csrf_exempt  # RFC 8058: mail clients POST here with no cookies and no CSRF token
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """GET shows one button and changes nothing (mail scanners open links); POST records."""
    link = _link_or_404(token)
    context = {"link": link, "category": Category(link.category), "token": token}
    if request.method == "POST":
        preferences.unsubscribe(link=link)
        return render(request, "notifications/unsubscribed.html", context)
    response = render(request, "notifications/unsubscribe.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def preferences_by_link(request, token):
    """Anyone with a link from one of our emails chooses which emails that address gets."""
    link = _link_or_404(token)
    preference = preferences.preference_for(link.email)
    form = PreferencesForm(request.POST or None, preference=preference)
    if request.method == "POST" and form.is_valid():
        preferences.save_preferences(email=link.email, choices=form.cleaned_data)
        messages.success(request, _("Your choices are saved."))
        return redirect("notifications:preferences-by-link", token=token)
    return render(request, "notifications/preferences.html", {"form": form, "email": link.email})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_preferences(request):
    """The signed-in person's choices; /membership/ embeds the same form and posts here."""
    if request.method == "POST":
        form = PreferencesForm(request.POST, preference=preferences.preference_for(request.user.email))
        if form.is_valid():
            preferences.save_preferences(email=request.user.email, choices=form.cleaned_data)
            messages.success(request, _("Your email choices are saved."))
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
            next_url = reverse("notifications:my-preferences")
        return redirect(next_url)
    context = preferences.preferences_context(email=request.user.email, next_url=request.path)
    return render(request, "notifications/my_preferences.html", context)
