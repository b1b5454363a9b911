from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"
    label = "workflows"

    def ready(self) -> None:
        from ruledesk.ops import schedules

        schedules.register("sla-sweep", "workflows.sla.tasks.sla_sweep", 30)
        schedules.register(
            "attachments-sweep", "workflows.attachments.tasks.attachments_sweep", 300
        )
        from workflows.attachments import signals  # noqa: F401 - connects the retention hook
