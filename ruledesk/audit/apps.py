from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ruledesk.audit"
    label = "audit"
    verbose_name = "Audit"
