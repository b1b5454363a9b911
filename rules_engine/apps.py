from django.apps import AppConfig


class RulesEngineConfig(AppConfig):
    name = "rules_engine"
    label = "rules_engine"
    verbose_name = "Rules engine"

    def ready(self) -> None:
        from ruledesk.events import registry
        from ruledesk.ops import schedules, warmup
        from rules_engine.planned import decision_process
        from rules_engine.services import event_process, rules_cache_warm

        registry.register("rules", event_process)
        registry.register("rules-decided", decision_process)
        schedules.register("rules-schedule", "rules_engine.tasks.rules_schedule_run", 60)
        schedules.register(
            "rule-executions-prune", "rules_engine.tasks.rule_executions_prune", 3600
        )
        warmup.register("rules", rules_cache_warm)
