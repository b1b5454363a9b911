from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "ruledesk.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from ruledesk.ops import schedules

        schedules.register("email-outbox", "ruledesk.notifications.tasks.email_outbox_sweep", 60)
