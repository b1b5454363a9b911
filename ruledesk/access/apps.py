from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "ruledesk.access"
    label = "access"
    verbose_name = "Access control"
