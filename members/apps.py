from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = gettext_lazy("Members and dues")

    def ready(self):
        # Tell notifications what members has to send and to whom (it never imports us).
        # roster_edit describes its audit actions when imported.
        from members import data_export, emails, erasure, mail_scope, reminders, roster_edit, roster_emails, segments  # noqa: F401
        from notifications.registry import SegmentSource, register_reminder_source, register_segment_source

        emails.register()
        from members import languages

        languages.register()  # every email to a member is written in their language
        reminders.register()
        mail_scope.register()  # which outbox mail is a treasurer's
        data_export.register()
        erasure.register()
        self.plans_ready()
        roster_emails.register()  # the roster kept by hand: welcome, change of address
        from members import import_apply, import_invites, importing  # noqa: F401  (importing describes its audit actions)

        import_apply.register()  # the import runs on the fan-out engine
        import_invites.register()

        register_reminder_source("members.renewal-reminders", reminders.queue_renewal_reminders)
        register_reminder_source("members.auto-renew-notices", reminders.queue_auto_renew_notices)
        register_segment_source(
            "members", SegmentSource(choices=segments.segment_choices, recipients=segments.segment_recipients)
        )

    def plans_ready(self):
        """Plans that need approval and households: their emails, and their actions named in the audit log."""
        from members import applications, households, plan_emails  # noqa: F401 (they describe their audit actions)

        plan_emails.register()
