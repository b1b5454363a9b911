from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ruledesk.ops"
    label = "ops"
