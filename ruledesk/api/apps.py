from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "ruledesk.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from ruledesk.api import schema  # noqa: F401 - registers schema extensions
        from ruledesk.ops import schedules

        schedules.register("ratelimit-prune", "ruledesk.api.tasks.ratelimit_prune", 3600)
