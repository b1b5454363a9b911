"""A new ticket on behalf of a requester: pickers are autocompletes (radio or checkbox
suggestions that htmx refreshes as one types, a "Find" button without scripts), the ticket
is made by `services.tickets.ticket_create` with the API's arguments plus the requester.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from portal import access
from portal.errors import apply_to_form
from portal.http import render_page
from ruledesk import errors
from ruledesk.access import policy
from ruledesk.tenancy import services as tenancy
from ruledesk.tenancy.models import Role, User
from workflows import pickers
from workflows.models import Priority
from workflows.services import tickets as ticket_services


class NewTicketForm(forms.Form):
    requester = forms.IntegerField(required=False, label=gettext_lazy("Requester"))
    requester_q = forms.CharField(required=False, max_length=100)
    new_name = forms.CharField(required=False, max_length=150, label=gettext_lazy("Name"))
    new_email = forms.EmailField(required=False, label=gettext_lazy("E-mail address"))
    title = forms.CharField(max_length=200, label=gettext_lazy("Title"))
    description = forms.CharField(
        required=False,
        max_length=50_000,
        label=gettext_lazy("Description"),
        help_text=gettext_lazy("Markdown: **bold**, _italic_, lists, links."),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    priority = forms.ChoiceField(
        choices=Priority.choices, initial=Priority.MEDIUM, label=gettext_lazy("Priority")
    )
    category = forms.IntegerField(required=False, label=gettext_lazy("Category"))
    category_q = forms.CharField(required=False, max_length=100)
    team = forms.IntegerField(required=False, label=gettext_lazy("Team"))
    team_q = forms.CharField(required=False, max_length=100)
    tags = forms.MultipleChoiceField(required=False, label=gettext_lazy("Tags"))
    tags_q = forms.CharField(required=False, max_length=50)
    new_tags = forms.CharField(
        required=False,
        max_length=500,
        label=gettext_lazy("Other tags"),
        help_text=gettext_lazy("Separated by commas; new tags are created."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any name: the service resolves and validates tags against the organization.
        self.fields["tags"].valid_value = lambda value: len(str(value)) <= 50  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("requester") is None and not data.get("new_email"):
            self.add_error(
                "requester", _("Choose a requester from the suggestions, or add a new one.")
            )
        return data

    def tag_names(self) -> list[str]:
        names = list(self.cleaned_data.get("tags") or [])
        names += [n.strip() for n in self.cleaned_data.get("new_tags", "").split(",") if n.strip()]
        return names


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


_PICKERS = {
    "requester": (pickers.requesters, "requester_q"),
    "category": (pickers.categories, "category_q"),
    "team": (pickers.teams, "team_q"),
    "tags": (pickers.tags, "tags_q"),
}


def _options(actor: User, kind: str, params: Any) -> list[dict[str, Any]]:
    find: Any
    find, q_name = _PICKERS[kind]
    chosen = params.getlist(kind) if hasattr(params, "getlist") else []
    chosen = [c for c in chosen if c][:50]
    found = find(actor, params.get(q_name, ""), chosen)
    options = []
    if kind in ("category", "team"):
        none = _("No category") if kind == "category" else _("The category's default team")
        options.append({"value": "", "label": none, "detail": "", "checked": not chosen})
    for item in found:
        if kind == "requester":
            value, label, detail = item.pk, item.display_name, item.email
        elif kind == "tags":
            value, label, detail = item.name, item.name, ""
        else:
            value, label, detail = item.pk, item.name, ""
        options.append(
            {"value": value, "label": label, "detail": detail, "checked": str(value) in chosen}
        )
    return options


def _pickers(actor: User, params: Any) -> dict[str, list[dict[str, Any]]]:
    return {kind: _options(actor, kind, params) for kind in _PICKERS}


def _context(actor: User, form: NewTicketForm, params: Any) -> dict[str, Any]:
    return {
        "form": form,
        "options": _pickers(actor, params),
        "may_add_people": policy.can(actor, "users.manage"),
        "priorities": Priority.choices,
    }


@access.requires_any(*access.DESK)
@require_http_methods(["GET", "POST"])
def new_ticket(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if not policy.can(actor, "ticket.create") or not policy.can(actor, "ticket.update"):
        raise errors.PermissionDenied(_("Your role may not file tickets for someone else."))
    if request.method != "POST" or "find" in request.POST:
        params = request.POST if request.method == "POST" else request.GET
        form = NewTicketForm(initial={"priority": Priority.MEDIUM, **params.dict()})
        return render_page(request, "portal/agent/new_ticket.html", _context(actor, form, params))
    form = NewTicketForm(request.POST)
    if form.is_valid():
        try:
            ticket = _create(actor, form)
        except errors.ApplicationError as exc:
            apply_to_form(form, exc)
        else:
            number = f"{access.member_organization(actor).slug.upper()}-{ticket.number}"
            return HttpResponseRedirect(reverse("portal:desk-ticket", args=[number]))
    return render_page(
        request, "portal/agent/new_ticket.html", _context(actor, form, request.POST), status=400
    )


def _create(actor: User, form: NewTicketForm) -> Any:
    data = form.cleaned_data
    extra: dict[str, Any] = {}
    if data.get("team") is not None:
        extra["team_id"] = data["team"]
    tags = form.tag_names()
    with transaction.atomic():
        requester_id = data.get("requester")
        if data.get("new_email"):
            try:
                person = tenancy.user_create(
                    actor=actor,
                    organization=access.member_organization(actor),
                    email=data["new_email"],
                    name=data.get("new_name", ""),
                    role=Role.REQUESTER,
                )
            except errors.Conflict as exc:
                raise errors.ValidationFailed.on("new_email", exc.detail) from None
            requester_id = person.pk
        return ticket_services.ticket_create(
            actor=actor,
            title=data["title"],
            description=data.get("description", ""),
            priority=data["priority"],
            category_id=data.get("category"),
            tags=tags or None,
            requester_id=requester_id,
            **extra,
        )


@access.requires_any(*access.DESK)
@require_GET
def options(request: HttpRequest, kind: str) -> HttpResponse:
    """The suggestions of one picker as its fieldset's options (htmx swaps them in)."""
    if kind not in _PICKERS:
        raise errors.NotFound()
    actor = _actor(request)
    context = {"kind": kind, "choices": _options(actor, kind, request.GET)}
    return render_page(
        request,
        "portal/agent/_picker_options.html",
        context,
        fragment="portal/agent/_picker_options.html",
    )
