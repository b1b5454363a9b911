"""`GET /api/v1/kpis` (api.md, Reporting): the KPIs of a period, team and category."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from reporting import kpis
from ruledesk.access import policy
from ruledesk.api.base import ApiView
from workflows.api.serializers import id_field
from workflows.sla.services import moment_parse

DEFAULT_DAYS = 30


class KpiQuery(serializers.Serializer):  # type: ignore[type-arg]
    to = serializers.CharField(
        max_length=40,
        required=False,
        help_text="Exclusive end: a date (start of that day, org time zone) or a timestamp; "
        "default now.",
    )
    team = id_field(required=False)
    category = id_field(required=False)


# `from` is a Python keyword: declare it after the class body, first in the field order.
KpiQuery._declared_fields = {
    "from": serializers.CharField(
        max_length=40,
        required=False,
        help_text="Inclusive start: a date (start of that day, org time zone) or a timestamp; "
        f"default {DEFAULT_DAYS} days before `to`.",
    ),
    **KpiQuery._declared_fields,
}


class SlaTargetOutput(serializers.Serializer):  # type: ignore[type-arg]
    met = serializers.IntegerField()
    breached = serializers.IntegerField()
    compliance = serializers.FloatField(allow_null=True)


class KpiOutput(serializers.Serializer):  # type: ignore[type-arg]
    mtta_minutes = serializers.FloatField(
        allow_null=True, help_text="Mean first response, business minutes of the SLA calendar."
    )
    mttr_minutes = serializers.FloatField(
        allow_null=True, help_text="Mean full resolution, business minutes of the SLA calendar."
    )
    reopen_rate = serializers.FloatField(allow_null=True)
    sla_compliance = serializers.FloatField(
        allow_null=True, help_text="Met ÷ (met + breached), both targets together."
    )
    csat_average = serializers.FloatField(allow_null=True)
    tickets_created = serializers.IntegerField()
    tickets_resolved = serializers.IntegerField()
    backlog = serializers.IntegerField()
    mtta_calendar_minutes = serializers.FloatField(allow_null=True)
    mttr_calendar_minutes = serializers.FloatField(allow_null=True)
    sla_first_response = SlaTargetOutput()
    sla_resolution = SlaTargetOutput()
    csat_response_rate = serializers.FloatField(allow_null=True)
    csat_satisfied_rate = serializers.FloatField(allow_null=True)
    csat_responses = serializers.IntegerField()
    period = serializers.DictField(child=serializers.DateTimeField())


def kpis_out(scope: kpis.Scope, result: kpis.Kpis) -> dict[str, Any]:
    def sla(count: kpis.SlaCount) -> dict[str, Any]:
        return {"met": count.met, "breached": count.breached, "compliance": count.compliance}

    return {
        "mtta_minutes": result.mtta_minutes,
        "mttr_minutes": result.mttr_minutes,
        "reopen_rate": result.reopen_rate,
        "sla_compliance": result.sla_compliance,
        "csat_average": result.csat_average,
        "tickets_created": result.tickets_created,
        "tickets_resolved": result.tickets_resolved,
        "backlog": result.backlog,
        "mtta_calendar_minutes": result.mtta_calendar_minutes,
        "mttr_calendar_minutes": result.mttr_calendar_minutes,
        "sla_first_response": sla(result.sla_first_response),
        "sla_resolution": sla(result.sla_resolution),
        "csat_response_rate": result.csat_response_rate,
        "csat_satisfied_rate": result.csat_satisfied_rate,
        "csat_responses": result.csat_answers,
        "period": {"from": scope.start, "to": scope.end},
    }


class KpiApi(ApiView):
    """Definitions in docs/reporting.md. Needs `reports.view` (agents and admins)."""

    @extend_schema(parameters=[KpiQuery], responses={200: KpiOutput})
    def get(self, request: Request) -> Response:
        policy.require(self.actor, "reports.view")
        query = KpiQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        tz = self.organization.timezone
        end = (
            moment_parse(values["to"], field="to", timezone_name=tz)
            if "to" in values
            else timezone.now()
        )
        start = (
            moment_parse(values["from"], field="from", timezone_name=tz)
            if "from" in values
            else end - timedelta(days=DEFAULT_DAYS)
        )
        scope = kpis.scope_for(
            actor=self.actor,
            start=start,
            end=end,
            team_id=values.get("team"),
            category_id=values.get("category"),
        )
        return Response(kpis_out(scope, kpis.kpis(scope)))
