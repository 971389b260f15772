from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from notifications import mailbox


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
    html = mail.body("html")
    if html:
        # Links in the framed message open in the whole window, like a mail client.
        html = (
            html.replace("<head>", '<head><base target="_top">', 1)
            if "<head>" in html
            else ('<base target="_top">' + html)
        )
    return render(
        request,
        "notifications/mailbox_detail.html",
        {"mail": mail, "html": html, "text": mail.body("plain"), "attachments": mail.attachments()},
    )


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
    messages.success(request, f"Deleted {count} message{'s' if count != 1 else ''} from the local mailbox.")
    return redirect("notifications:mailbox")
