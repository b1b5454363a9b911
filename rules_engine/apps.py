from django.apps import AppConfig


class RulesEngineConfig(AppConfig):
    name = "rules_engine"
    label = "rules_engine"
