"""Routes of the rules API (rules, vocabulary, dry-run, executions)."""

from django.urls import path

from rules_engine.api import views

urlpatterns = [
    path("rules", views.RuleListApi.as_view(), name="rule-list"),
    path("rules/vocabulary", views.RuleVocabularyApi.as_view(), name="rule-vocabulary"),
    path("rules/dry-run", views.DraftDryRunApi.as_view(), name="rule-draft-dry-run"),
    path("rules/<int:pk>", views.RuleDetailApi.as_view(), name="rule-detail"),
    path("rules/<int:pk>/dry-run", views.RuleDryRunApi.as_view(), name="rule-dry-run"),
    path(
        "rules/<int:pk>/executions",
        views.RuleExecutionListApi.as_view(),
        name="rule-execution-list",
    ),
    path(
        "tickets/<int:pk>/rule-executions",
        views.TicketRuleExecutionListApi.as_view(),
        name="ticket-rule-execution-list",
    ),
]
