from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "ruledesk.events"
    label = "events"
    verbose_name = "Domain events"

    def ready(self) -> None:
        from ruledesk.ops import schedules

        # Events are rows: anything left undispatched (a lost task, a retry now due) is picked up.
        schedules.register("events-redispatch", "ruledesk.events.tasks.redispatch_pending", 30)
