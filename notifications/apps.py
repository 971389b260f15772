from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from anymail.signals import inbound, tracking

        from notifications import announcements, suppression

        announcements.register()

        tracking.connect(suppression.on_tracking, dispatch_uid="notifications-suppress-bounces")
        inbound.connect(suppression.on_inbound, dispatch_uid="notifications-inbound-unsubscribe")
