"""The public satisfaction survey page a requester reaches from the e-mailed link.

No sign-in: the token in the path is the credential. GET only shows the form (mail
scanners fetch links; nothing is recorded on GET), POST records the answer through the
same service as `POST /api/v1/csat/{token}`, so the page and the API decide alike.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from portal.errors import apply_to_form
from portal.forms.csat import CsatForm
from portal.http import render_page
from reporting import csat
from ruledesk import errors
from ruledesk.client_ip import client_ip
from ruledesk.ratelimit import services as ratelimit
from workflows import numbering

TEMPLATE = "portal/csat/survey.html"
# Anonymous answers per client IP (the API's anonymous writes have the IP write throttle).
PER_IP = ratelimit.Limit("csat-answer-ip", 20, 60)


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = csat.survey_find(token)
    except errors.NotFound:
        return render_page(request, TEMPLATE, {"state": "invalid"}, status=404)
    except errors.Gone:
        return render_page(request, TEMPLATE, {"state": "expired"}, status=410)
    ticket = found.ticket
    context = {
        "number": numbering.display_number(ticket.organization.slug, ticket.number),
        "title": ticket.title,
        "organization_name": ticket.organization.name,
    }
    if csat.ticket_answered(found):
        status = 409 if request.method == "POST" else 200
        return render_page(request, TEMPLATE, {**context, "state": "answered"}, status=status)
    form = CsatForm(request.POST or None)
    status = 200
    if request.method == "POST":
        wait = ratelimit.hit(PER_IP, f"ip:{client_ip(request)}")
        if wait is not None:
            raise errors.RateLimited(_("Too many answers from your address."), retry_after=wait)
        if form.is_valid():
            try:
                csat.csat_answer(
                    token=token,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                )
            except errors.Conflict:
                return render_page(request, TEMPLATE, {**context, "state": "answered"}, status=409)
            except errors.Gone:
                return render_page(request, TEMPLATE, {"state": "expired"}, status=410)
            except errors.ValidationFailed as exc:
                apply_to_form(form, exc)
                status = 400
            else:
                return HttpResponseRedirect(reverse("portal:csat", args=[token]))
        else:
            status = 400
    return render_page(request, TEMPLATE, {**context, "state": "open", "form": form}, status=status)
