from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members and dues"

    def ready(self):
        # Tell notifications what members has to send and to whom (it never imports us).
        from members import data_export, emails, erasure, mail_scope, reminders, segments
        from notifications.registry import SegmentSource, register_reminder_source, register_segment_source

        emails.register()
        reminders.register()
        mail_scope.register()  # which outbox mail is a treasurer's
        data_export.register()
        erasure.register()
        from members import import_apply, import_invites, importing  # noqa: F401  (importing describes its audit actions)

        import_apply.register()  # the import runs on the fan-out engine
        import_invites.register()

        register_reminder_source("members.renewal-reminders", reminders.queue_renewal_reminders)
        register_reminder_source("members.auto-renew-notices", reminders.queue_auto_renew_notices)
        register_segment_source(
            "members", SegmentSource(choices=segments.segment_choices, recipients=segments.segment_recipients)
        )
