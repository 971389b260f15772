from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = gettext_lazy("Notifications")

    def ready(self):
        from anymail.signals import inbound, tracking

        from notifications import announcements, messages, suppression
        from notifications import inbound as inbound_mail

        announcements.register()
        messages.register()  # scheduled messages, started by the dispatcher

        tracking.connect(suppression.on_tracking, dispatch_uid="notifications-suppress-bounces")
        inbound.connect(suppression.on_inbound, dispatch_uid="notifications-inbound-unsubscribe")
        inbound.connect(inbound_mail.on_inbound, dispatch_uid="notifications-inbound-handlers")
