"""Reading the knowledge base: what a person may see, and search over it."""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from kb import search
from kb.models import ArticlePage, Visibility
from ruledesk.access import policy
from ruledesk.tenancy.models import User

# Internal articles are internal content: the same permission as internal notes.
INTERNAL_CODENAME = "comment.view_internal"
MAX_RESULTS = 100


def sees_internal(user: User) -> bool:
    return policy.can(user, INTERNAL_CODENAME)


def articles_visible_to(user: User) -> QuerySet[ArticlePage]:
    """Published articles of the user's organization; requesters get public ones only."""
    if user.organization_id is None:
        return ArticlePage.objects.none()
    articles = ArticlePage.objects.live().filter(organization_id=user.organization_id)
    if not sees_internal(user):
        articles = articles.filter(visibility=Visibility.PUBLIC)
    return articles


def with_related(articles: QuerySet[ArticlePage]) -> QuerySet[ArticlePage]:
    return articles.select_related("translation_of").prefetch_related("categories", "translations")


def matching(
    articles: QuerySet[ArticlePage], text: str, *, any_word: bool = False
) -> QuerySet[ArticlePage] | None:
    """`articles` matching `text`, annotated with `score`, best first; None for no words."""
    query = search.Query.parse(text)
    if query is None:
        return None
    where, rank = search.match(query, any_word=any_word)
    return (
        articles.extra(where=[where.sql], params=where.params)  # noqa: S610 - fixed SQL, bound values
        .annotate(score=RawSQL(rank.sql, rank.params))  # noqa: S611
        .order_by("-score", "-pk")
    )


def search_results(user: User, text: str, limit: int = MAX_RESULTS) -> list[ArticlePage]:
    found = matching(with_related(articles_visible_to(user)), text)
    return [] if found is None else list(found[:limit])
