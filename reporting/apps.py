from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    label = "reporting"

    def ready(self) -> None:
        from reporting.consumers import csat_requested
        from ruledesk.events import registry

        registry.register("csat", csat_requested)
