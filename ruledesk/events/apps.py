from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "ruledesk.events"
    label = "events"
    verbose_name = "Domain events"
