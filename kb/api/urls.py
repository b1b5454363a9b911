"""Routes of the knowledge-base API."""

from django.urls import URLPattern, path

from kb.api import views

urlpatterns: list[URLPattern] = [
    path("kb/articles", views.ArticleListApi.as_view(), name="kb-article-list"),
    path("kb/articles/<int:pk>", views.ArticleDetailApi.as_view(), name="kb-article-detail"),
    path("kb/suggestions", views.SuggestionsApi.as_view(), name="kb-suggestions"),
]
