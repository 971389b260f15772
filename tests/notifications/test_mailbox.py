import pytest
from django.core.mail import EmailMultiAlternatives

from notifications import mailbox


@pytest.fixture
def local_mailbox(settings, tmp_path):
    settings.MAILBOX_DIR = tmp_path
    settings.EMAIL_BACKEND = "notifications.mailbox.MailboxBackend"
    settings.DEBUG = True
    return tmp_path


def _send():
    message = EmailMultiAlternatives(
        "Your invitation", "Answer here: http://127.0.0.1:8000/r/abc/", "from@example.org", ["ann@example.org"]
    )
    message.attach_alternative('<p><a href="http://127.0.0.1:8000/r/abc/">Answer</a></p>', "text/html")
    message.attach("event.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    message.send()


@pytest.mark.django_db
def test_sent_mail_is_listed_and_readable_with_links(client, local_mailbox):
    _send()
    listing = client.get("/dev/mailbox/")
    assert "Your invitation" in listing.content.decode()
    [stored] = mailbox.list_messages()
    page = client.get(f"/dev/mailbox/{stored.id}/").content.decode()
    assert 'href="http://127.0.0.1:8000/r/abc/"' in page
    attachment = client.get(f"/dev/mailbox/{stored.id}/attachments/0/")
    assert attachment["Content-Type"].startswith("text/calendar")


@pytest.mark.django_db
def test_mailbox_does_not_exist_without_debug(client, local_mailbox, settings):
    _send()
    settings.DEBUG = False
    assert client.get("/dev/mailbox/").status_code == 404
    [stored] = mailbox.list_messages()
    assert client.get(f"/dev/mailbox/{stored.id}/").status_code == 404


@pytest.mark.django_db
def test_emptying_the_mailbox_needs_a_post(client, local_mailbox):
    _send()
    assert client.get("/dev/mailbox/empty/").status_code == 405
    assert len(mailbox.list_messages()) == 1
    client.post("/dev/mailbox/empty/")
    assert mailbox.list_messages() == []


@pytest.mark.django_db
def test_inline_images_are_shown_from_the_mailbox(client, local_mailbox):
    from email.mime.image import MIMEImage

    message = EmailMultiAlternatives("With a code", "See the code.", "from@example.org", ["ann@example.org"])
    message.attach_alternative('<p><img src="cid:check-in-qr" alt="code"></p>', "text/html")
    image = MIMEImage(b"\x89PNG\r\n\x1a\n", "png")
    image.add_header("Content-ID", "<check-in-qr>")
    image.add_header("Content-Disposition", "inline", filename="check-in.png")
    message.attach(image)
    message.mixed_subtype = "related"
    message.send()
    [stored] = mailbox.list_messages()
    page = client.get(f"/dev/mailbox/{stored.id}/").content.decode()
    assert f"/dev/mailbox/{stored.id}/attachments/0/" in page
    assert "cid:check-in-qr" not in page
    assert "check-in.png" in page and "image/png" in page
