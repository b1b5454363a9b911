"""Knowledge bases for organizations created before kb existed; Wagtail's global defaults off.

Wagtail's initial data creates "Editors" and "Moderators" groups with rights on the
whole page tree, and a "Moderators approval" workflow on the tree root. Nobody in
Ruledesk belongs to them; they are removed so no future membership can span
organizations. Each organization then gets its root, editors group, collection and
workflow from the same service new organizations use.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

DEFAULT_GROUPS = ("Editors", "Moderators")


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    Task = apps.get_model("wagtailcore", "Task")
    default = Workflow.objects.filter(name="Moderators approval")
    WorkflowPage.objects.filter(workflow__in=default).delete()
    Task.objects.filter(name="Moderators approval").update(active=False)
    default.update(active=False)
    Group.objects.filter(name__in=DEFAULT_GROUPS).delete()

    Organization = apps.get_model("tenancy", "Organization")
    if not Organization.objects.exists():
        return
    # Permissions are normally created after migrating; the service needs them now.
    for label in ("wagtailadmin", "wagtailcore", "wagtailimages", "wagtaildocs"):
        create_permissions(global_apps.get_app_config(label), verbosity=0)
    from kb.services.tenancy import kb_install  # the live service, as for new organizations
    from ruledesk.tenancy.models import Organization as LiveOrganization

    for organization in LiveOrganization.objects.order_by("pk"):
        kb_install(organization)


class Migration(migrations.Migration):
    dependencies = [
        ("kb", "0002_search_columns"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("tenancy", "0003_user_theme_shortcuts"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
