from django.urls import path

from reporting.api import csat, kpis

urlpatterns = [
    path("kpis", kpis.KpiApi.as_view(), name="kpis"),
    path(
        "tickets/<int:pk>/csat-request", csat.CsatRequestApi.as_view(), name="ticket-csat-request"
    ),
    path("csat/<str:token>", csat.CsatPublicApi.as_view(), name="csat"),
]
