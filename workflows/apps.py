from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"
    label = "workflows"

    def ready(self) -> None:
        from ruledesk.ops import schedules

        schedules.register("sla-sweep", "workflows.sla.tasks.sla_sweep", 30)
