"""Liveness, readiness and metrics for operators and orchestrators."""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ruledesk.api.errors import problem_response
from ruledesk.client_ip import client_ip
from ruledesk.events.selectors import events_backlog
from ruledesk.ops import metrics

logger = logging.getLogger(__name__)


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_storage() -> None:
    default_storage.exists("readyz-probe")


def _check_queue() -> None:
    from django_q.brokers import get_broker

    broker = get_broker()
    if not broker.ping():
        raise RuntimeError("broker did not answer")
    broker.queue_size()  # the ORM broker's ping() is always true; this reads its table


CHECKS = (("database", _check_database), ("storage", _check_storage), ("task_queue", _check_queue))


@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    failed = []
    for name, check in CHECKS:
        try:
            check()
        except Exception:  # any failure means not ready; the log says which and why
            logger.warning("readiness check %s failed", name, exc_info=True)
            failed.append(name)
    if failed:
        return problem_response(
            503, "dependency_unavailable", "Not ready: " + ", ".join(failed) + " unreachable."
        )
    return JsonResponse(
        {
            "status": "ok",
            "checks": {name: "ok" for name, _ in CHECKS},
            # Reported, not judged: a worker backlog must not take the web tier out of rotation.
            "events": events_backlog().as_dict(),
        }
    )


def _metrics_allowed(request: HttpRequest) -> bool:
    expected = settings.RULEDESK_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if expected and header.startswith("Bearer "):
        return hmac.compare_digest(header[7:].encode(), expected.encode())
    return client_ip(request) in settings.RULEDESK_METRICS_ALLOWED_IPS


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _metrics_allowed(request):
        return problem_response(
            401,
            "not_authenticated",
            "Metrics need a bearer token or an allowed address.",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    return HttpResponse(generate_latest(metrics.registry()), content_type=CONTENT_TYPE_LATEST)
