from django.apps import AppConfig


class KbConfig(AppConfig):
    name = "kb"
    label = "kb"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from kb.services import classifier
        from kb.services import tenancy as kb_tenancy
        from ruledesk.events import registry
        from ruledesk.ops import schedules
        from ruledesk.tenancy import listeners

        listeners.on_organization_created("kb", kb_tenancy.organization_created)
        listeners.on_access_changed("kb", kb_tenancy.editors_sync)
        registry.register("kb-categories", classifier.event_learn)
        schedules.register("kb-publish-scheduled", "kb.tasks.publish_scheduled", 60)
