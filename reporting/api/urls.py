from django.urls import path

from reporting.api import kpis

urlpatterns = [
    path("kpis", kpis.KpiApi.as_view(), name="kpis"),
]
