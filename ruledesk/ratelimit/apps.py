from django.apps import AppConfig


class RatelimitConfig(AppConfig):
    name = "ruledesk.ratelimit"
    label = "ratelimit"
    verbose_name = "Rate limits"

    def ready(self) -> None:
        from ruledesk.ops import schedules

        schedules.register("ratelimit-prune", "ruledesk.ratelimit.tasks.ratelimit_prune", 3600)
