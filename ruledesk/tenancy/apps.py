from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "ruledesk.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"
