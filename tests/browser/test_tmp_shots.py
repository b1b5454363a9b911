from datetime import timedelta
from django.utils import timezone
import pytest
from tests.browser.test_desk_queue import _desk
from tests.portal.test_desk_queue import _with_sla
from workflows import services
from workflows.models import Ticket
from workflows.services import saved_views

@pytest.mark.parametrize("locale,scheme", [("en", "light"), ("pl", "dark")])
def test_shots(new_page, locale, scheme):
    agent, agent2, tickets = _desk()
    org = agent.organization
    _with_sla(org, tickets)
    now = timezone.now()
    Ticket.objects.filter(pk=tickets[0].pk).update(first_response_breached=True, first_response_due_at=now - timedelta(minutes=15))
    Ticket.objects.filter(pk=tickets[1].pk).update(sla_paused=True, resolution_due_at=now + timedelta(hours=3))
    Ticket.objects.filter(pk=tickets[2].pk).update(first_response_due_at=now + timedelta(minutes=80), resolution_due_at=now + timedelta(hours=8))
    services.ticket_update(actor=agent, ticket=Ticket.objects.get(pk=tickets[2].pk), assignee_id=agent.pk, priority="critical", tags=["vip", "billing"])
    team = agent.memberships.first().team
    saved_views.saved_view_create(actor=agent, name="Printers", filters={"q": "printer"}, shared_with_team_id=team.pk)
    page = new_page(user=agent, locale=locale, color_scheme=scheme)
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto("/desk/?priority=medium,critical&cols=number,title,status,priority,assignee,tags,sla,updated")
    page.locator("#select-%d" % tickets[2].pk).check()
    page.locator("#columns-tool summary").click()
    page.screenshot(path=f"/tmp/q/list-{locale}-{scheme}.png", full_page=True)
    page.goto("/desk/?view=all&status=&q=printer")
    page.locator("#select-%d" % tickets[2].pk).check()
    page.locator("#bulk-form button[type=submit]").click()
    page.wait_for_selector(".bulk-results")
    page.locator("summary", has_text="Filt").first.click()
    page.screenshot(path=f"/tmp/q/search-{locale}-{scheme}.png", full_page=True)
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/desk/")
    page.screenshot(path=f"/tmp/q/narrow-{locale}-{scheme}.png", full_page=True)
