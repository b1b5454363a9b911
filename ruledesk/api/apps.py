from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "ruledesk.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from ruledesk.api import schema  # noqa: F401 - registers schema extensions
