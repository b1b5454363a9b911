from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "ruledesk.notifications"
    label = "notifications"
