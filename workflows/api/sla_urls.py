"""Routes of the SLA API (business calendars, SLA policies, preview, simulate)."""

from django.urls import path

from workflows.api import sla

urlpatterns = [
    path(
        "business-calendars",
        sla.BusinessCalendarListApi.as_view(),
        name="business-calendar-list",
    ),
    path(
        "business-calendars/<int:pk>",
        sla.BusinessCalendarDetailApi.as_view(),
        name="business-calendar-detail",
    ),
    path("sla-policies", sla.SlaPolicyListApi.as_view(), name="sla-policy-list"),
    path("sla-policies/preview", sla.SlaPolicyPreviewApi.as_view(), name="sla-policy-preview"),
    path("sla-policies/simulate", sla.SlaPolicySimulateApi.as_view(), name="sla-policy-simulate"),
    path("sla-policies/<int:pk>", sla.SlaPolicyDetailApi.as_view(), name="sla-policy-detail"),
]
