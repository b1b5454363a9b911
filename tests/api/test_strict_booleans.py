"""Booleans in JSON bodies are `true` or `false` only, on every write endpoint (api.md).

The walk reads the generated OpenAPI schema: every JSON request body of every write
operation, every boolean anywhere in it (nested objects, list items). Each is sent with
values DRF's own BooleanField would take ("yes", "on", "1", 1...) and must answer 400
naming exactly that field, changing nothing. A new write endpoint with a boolean is
walked as soon as it exists; one with a path parameter needs an object in `_OBJECTS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

from ruledesk.access.models import RoleGrant
from ruledesk.notifications.models import NotificationPreference
from ruledesk.tenancy.models import Role, User
from rules_engine.models import Rule
from tests import factories
from tests.api.problems import assert_problem, field_errors
from workflows.sla.models import SlaPolicy

WRONG = ["yes", "no", "on", "off", "true", "false", "1", "0", "t", "", 1, 0, 1.0, [], {}]
_WRITES = ("post", "put", "patch")

Step = str | int  # a property name, or 0 for the first item of a list


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = SchemaGenerator().get_schema(  # type: ignore[no-untyped-call]
        request=None, public=True
    )
    return schema


def _booleans(node: Any, components: dict[str, Any], path: tuple[Step, ...] = ()) -> Iterator[Any]:
    """Every path to a boolean in a JSON schema, following $ref, allOf and list items."""
    while isinstance(node, dict) and "$ref" in node:
        node = components[node["$ref"].rsplit("/", 1)[-1]]
    if not isinstance(node, dict):
        return
    kinds = node.get("type")
    if kinds == "boolean" or (isinstance(kinds, list) and "boolean" in kinds):
        yield path
    for key in ("allOf", "oneOf", "anyOf"):
        for part in node.get(key, []):
            yield from _booleans(part, components, path)
    for name, child in node.get("properties", {}).items():
        yield from _booleans(child, components, (*path, name))
    if "items" in node:
        yield from _booleans(node["items"], components, (*path, 0))


def _cases() -> list[Any]:
    schema = _schema()
    components = schema["components"]["schemas"]
    cases = []
    for route, item in schema["paths"].items():
        for method in _WRITES:
            body = item.get(method, {}).get("requestBody", {}).get("content", {})
            json_schema = body.get("application/json", {}).get("schema")
            for path in dict.fromkeys(_booleans(json_schema, components)):
                name = _dotted(path)
                cases.append(pytest.param(method, route, path, id=f"{method} {route} {name}"))
    return cases


def _dotted(path: tuple[Step, ...]) -> str:
    """The `errors[].field` of api.md: dotted names, `[i]` for list items."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def _body(path: tuple[Step, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    return [_body(rest, value)] if isinstance(head, int) else {head: _body(rest, value)}


# Path parameters: an object of the admin's organization for each route that takes one,
# made through the API itself.
_OBJECTS: dict[str, Callable[[Any], int]] = {
    "/api/v1/rules/{id}": lambda client: _created(
        client,
        "/api/v1/rules",
        {"name": "Probe", "event": "ticket.created", "conditions": {"all": []}, "actions": []},
    ),
    "/api/v1/sla-policies/{id}": lambda client: _created(
        client,
        "/api/v1/sla-policies",
        {
            "name": "Probe",
            "calendar": _created(
                client,
                "/api/v1/business-calendars",
                {"name": "Probe hours", "timezone": "UTC", "hours": {"mon": [["09:00", "17:00"]]}},
            ),
            "first_response_minutes": 60,
            "resolution_minutes": 480,
            "reminder_percent": 80,
            "position": 0,
        },
    ),
    "/api/v1/users/{id}": lambda client: _created(
        client, "/api/v1/users", {"email": "probe@acme.test", "name": "Probe", "role": "agent"}
    ),
}


def _created(client: Any, url: str, body: dict[str, Any]) -> int:
    response = client.post(url, body, format="json")
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def _state() -> tuple[list[Any], ...]:
    """Everything a boolean on these endpoints could change."""
    return (
        list(Rule.objects.order_by("pk").values_list("pk", "active", "stop_processing")),
        list(SlaPolicy.objects.order_by("pk").values_list("pk", "active")),
        list(User.objects.order_by("pk").values_list("pk", "is_active")),
        list(RoleGrant.objects.order_by("pk").values_list("pk", "granted")),
        list(NotificationPreference.objects.order_by("pk").values_list("pk", "enabled")),
    )


CASES = _cases()


def test_the_walk_finds_the_booleans_api_md_names() -> None:
    found = {case.id for case in CASES}
    for expected in (
        "put /api/v1/permission-matrix permissions[0].grants.requester",
        "put /api/v1/notification-preferences events.ticket.assigned.email",
        "patch /api/v1/users/{id} is_active",
        "post /api/v1/rules stop_processing",
        "post /api/v1/sla-policies active",
    ):
        assert expected in found


@pytest.mark.parametrize(("method", "route", "path"), CASES)
def test_every_boolean_of_every_write_endpoint_takes_only_true_or_false(
    api, admin, method: str, route: str, path: tuple[Step, ...]
) -> None:
    url = route
    client = api(admin)
    if "{" in route:
        assert route in _OBJECTS, f"add an object for {route} to _OBJECTS"
        url = route.replace("{id}", str(_OBJECTS[route](client)))
    before = _state()
    for value in WRONG:
        response = getattr(client, method)(url, _body(path, value), format="json")

        body = assert_problem(response, 400, "validation_error")
        assert field_errors(body).get(_dotted(path)) == "invalid", (value, body)
        assert _state() == before


def test_a_rule_action_boolean_takes_only_true_or_false(api, admin) -> None:
    for value in ("yes", 1, "true"):
        response = api(admin).post(
            "/api/v1/rules",
            {
                "name": "Escalate",
                "event": "ticket.created",
                "conditions": {"all": []},
                "actions": [{"type": "escalate", "raise_priority": value}],
            },
            format="json",
        )

        body = assert_problem(response, 400, "validation_error")
        assert field_errors(body) == {"actions[0].raise_priority": "invalid"}
    assert not Rule.objects.exists()


def test_true_and_false_are_accepted(api, admin) -> None:
    agent = factories.user(admin.organization, Role.AGENT)
    client = api(admin)
    for value in (False, True):
        response = client.patch(f"/api/v1/users/{agent.pk}", {"is_active": value}, format="json")

        assert response.status_code == 200, response.content
        assert response.json()["is_active"] is value
