"""The API honours its published OpenAPI schema, fuzzed over real HTTP against a live server.

The schema is the one `GET /api/schema/` serves. Every operation in it runs as admin,
agent, requester and anonymous, with positive and negative data; path ids are drawn
from random integers and from the ids of objects that exist in the caller's
organization, so detail routes answer 200 as well as 404. Each generated request
carries a freshly issued bearer token, so a case revoking its token
(`DELETE /auth/token`) or demoting its own user cannot spoil the next.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.apps import apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err, Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ruledesk.api.authentication import token_issue
from ruledesk.tenancy.models import Organization, Role, User
from tests import factories

ROLES = ("admin", "agent", "requester", "anonymous")
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
EXAMPLES_PER_OPERATION = 15


@pytest.fixture
def cast(transactional_db: None, settings: Any) -> dict[str, User]:
    """One organization with a user per role, and a second one that must stay invisible."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Fuzzing writes far faster than any person; 429 stays documented and reachable.
    settings.RULEDESK_RATE_WRITES_PER_MIN = 100_000
    acme: Organization = factories.organization("acme", name="Acme")
    globex = factories.organization("globex", name="Globex")
    users = {
        "admin": factories.user(acme, Role.ADMIN, email="admin@acme.test"),
        "agent": factories.user(acme, Role.AGENT, email="agent@acme.test"),
        "requester": factories.user(acme, Role.REQUESTER, email="requester@acme.test"),
    }
    factories.team(acme, "Support", users["agent"])
    factories.team(globex, "Globex support", factories.user(globex, Role.ADMIN))
    return users


def _known_ids(organization_id: int) -> list[int]:
    """Primary keys of every tenant-owned row of the organization, whatever its model."""
    ids: set[int] = set()
    for model in apps.get_models():
        fields = {f.attname for f in model._meta.concrete_fields}
        if "organization_id" in fields and model._meta.pk.get_internal_type().endswith(
            "IntegerField"
        ):
            ids.update(
                model._default_manager.filter(organization_id=organization_id).values_list(
                    "pk", flat=True
                )
            )
        elif model is Organization:
            ids.add(organization_id)
    return sorted(ids)


def _strategy(operation: Any, known_ids: list[int]) -> Any:
    names = [p.name for p in operation.path_parameters]
    strategies = [
        operation.as_strategy(mode) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    ]
    if names and known_ids:
        existing = st.fixed_dictionaries({name: st.sampled_from(known_ids) for name in names})
        strategies.append(
            existing.flatmap(lambda params: operation.as_strategy(path_parameters=params))
        )
    return st.one_of(strategies)


def _restore(user: User) -> User:
    """Undo what an earlier case may have done to the caller (demoted, deactivated, deleted)."""
    User.objects.filter(pk=user.pk).update(role=user.role, is_active=True, deleted_at=None)
    return user


@pytest.mark.xdist_group("contract")
@pytest.mark.parametrize("role", ROLES)
def test_every_operation_honours_the_schema(
    role: str, cast: dict[str, User], live_server: Any
) -> None:
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/")
    organization_id = cast["admin"].organization_id
    assert organization_id is not None
    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results), [r.err() for r in results if isinstance(r, Err)]
    assert len(operations) >= 14

    failures: dict[str, BaseException] = {}
    for operation in operations:

        @given(case=_strategy(operation, _known_ids(organization_id)))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
        def run(case: schemathesis.Case[Any]) -> None:
            headers = {}
            if role != "anonymous":
                raw, _ = token_issue(user=_restore(cast[role]))
                headers["Authorization"] = f"Bearer {raw}"
            case.call_and_validate(base_url=live_server.url, headers=headers, checks=CHECKS)

        try:
            run()
        except (
            Exception,
            BaseExceptionGroup,
        ) as exc:  # collect every operation's failure, then report them all
            failures[operation.label] = exc
    assert not failures, "\n\n".join(f"{label}:\n{exc}" for label, exc in failures.items())
