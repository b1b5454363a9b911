"""URLs for the logging tests: one DRF view and one plain view that each log a line."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

logger = logging.getLogger("tests.ops.probe")


class ApiProbe(APIView):
    def get(self, request: Request) -> Response:
        logger.info("api probe reached")
        return Response({"ok": True})


def plain_probe(request: HttpRequest) -> HttpResponse:
    logger.info("plain probe reached")
    return JsonResponse({"ok": True})


urlpatterns = [
    path("probe/api", ApiProbe.as_view()),
    path("probe/plain", plain_probe),
    path("", include("ruledesk.urls")),
]
