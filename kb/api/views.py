"""The knowledge base's REST API: published articles of the caller's organization.

Requesters see public articles only; people allowed internal content (the matrix's
`comment.view_internal`) see internal ones too. Drafts never appear here. Without
`q` the list is keyset-paginated newest first; with `q` it is ranked by relevance
(the best 100, paginated by offset).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from kb import selectors, suggestions
from kb.models import ArticlePage, Language, Visibility
from kb.text import rich_text_html
from ruledesk import errors, keyset
from ruledesk.api.base import ApiView, ListApiView, NamedRefSerializer, named_ref
from ruledesk.api.pagination import link
from ruledesk.offset_pages import offset_page

MAX_QUERY_LENGTH = 200


class TranslationRefOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    title = serializers.CharField()
    language = serializers.ChoiceField(choices=Language.choices)


class ArticleOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    title = serializers.CharField()
    slug = serializers.CharField()
    summary = serializers.CharField()
    language = serializers.ChoiceField(choices=Language.choices)
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    categories = NamedRefSerializer(many=True)
    translation = TranslationRefOutput(allow_null=True)
    url = serializers.CharField(help_text="The article's page in the help center.")
    last_published_at = serializers.DateTimeField(allow_null=True)
    score = serializers.FloatField(
        allow_null=True, help_text="Relevance to `q` (higher is better); null without `q`."
    )


class ArticleDetailOutput(ArticleOutput):
    body_html = serializers.CharField(help_text="Sanitized HTML of the article's body.")


def article_url(article: ArticlePage) -> str:
    return f"/help/articles/{article.pk}"


def translation_for(article: ArticlePage, *, internal_ok: bool) -> ArticlePage | None:
    """The article in the other language, if published and visible to the same viewer."""
    candidates = [article.translation_of] if article.translation_of is not None else []
    candidates += list(article.translations.all())  # prefetched
    for other in candidates:
        if other is None or not other.live or other.organization_id != article.organization_id:
            continue
        if other.visibility == Visibility.PUBLIC or internal_ok:
            return other
    return None


def article_fields(article: ArticlePage, *, internal_ok: bool) -> dict[str, Any]:
    other = translation_for(article, internal_ok=internal_ok)
    return {
        "id": article.pk,
        "title": article.title,
        "slug": article.slug,
        "summary": article.summary,
        "language": article.language,
        "visibility": article.visibility,
        "categories": [
            named_ref(c) for c in sorted(article.categories.all(), key=lambda c: c.name)
        ],
        "translation": {"id": other.pk, "title": other.title, "language": other.language}
        if other is not None
        else None,
        "url": article_url(article),
        "last_published_at": article.last_published_at,
        "score": getattr(article, "score", None),
    }


def _params(request: Request, articles: QuerySet[ArticlePage]) -> QuerySet[ArticlePage]:
    params = request.query_params
    category = params.get("category")
    if category:
        if not category.isdigit() or len(category) > 18:
            raise errors.ValidationFailed.on("category", _("A category id is a number."))
        articles = articles.filter(categories__id=int(category))
    language = params.get("language")
    if language:
        if language not in Language.values:
            raise errors.ValidationFailed.on("language", _("Choose en or pl."))
        articles = articles.filter(language=language)
    return articles


class ArticleListApi(ListApiView):
    ordering = ("-last_published_at", "-id")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                OpenApiTypes.STR,
                description="Words to search for (the last one matches as a prefix; "
                "accents and small typos are forgiven). Results are ranked by relevance.",
            ),
            OpenApiParameter("category", OpenApiTypes.INT, description="Only this category."),
            OpenApiParameter("language", OpenApiTypes.STR, enum=Language.values),
        ],
        responses={200: ArticleOutput(many=True)},
    )
    def get(self, request: Request) -> Response:
        """Published articles visible to the caller (requesters: public ones only)."""
        visible = selectors.articles_visible_to(self.actor)
        articles = selectors.with_related(_params(request, visible))
        internal_ok = selectors.sees_internal(self.actor)
        text = request.query_params.get("q", "")
        if len(text) > MAX_QUERY_LENGTH:
            raise errors.ValidationFailed.on("q", _("At most 200 characters."))
        ranked = selectors.matching(articles, text) if text.strip() else None
        if ranked is None:
            return self.paginate(request, articles, lambda a: _out(a, internal_ok))
        rows = list(ranked[: selectors.MAX_RESULTS])
        page = offset_page(
            rows,
            tag=f"kb:{text}",
            cursor=request.query_params.get("cursor"),
            size=keyset.page_size(request.query_params),
        )
        return Response(
            {
                "results": [_out(a, internal_ok) for a in page.rows],
                "next": link(request, "cursor", page.next),
                "previous": link(request, "cursor", page.previous),
            }
        )


def _out(article: ArticlePage, internal_ok: bool) -> dict[str, Any]:
    return dict(ArticleOutput(article_fields(article, internal_ok=internal_ok)).data)


class ArticleDetailApi(ApiView):
    @extend_schema(responses={200: ArticleDetailOutput})
    def get(self, request: Request, pk: int) -> Response:
        """One published article visible to the caller, with its body."""
        found = selectors.with_related(selectors.articles_visible_to(self.actor)).filter(pk=pk)
        article = found.first()
        if article is None:
            raise errors.NotFound()
        fields = article_fields(article, internal_ok=selectors.sees_internal(self.actor))
        fields["body_html"] = rich_text_html(article.body)
        return Response(ArticleDetailOutput(fields).data)


# --- Suggestions -------------------------------------------------------------------------

MAX_TITLE = 300
MAX_DESCRIPTION = 5000


class SuggestedCategoryOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    score = serializers.FloatField()


class SuggestedArticleOutput(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()
    score = serializers.FloatField()


class SuggestionsOutput(serializers.Serializer):  # type: ignore[type-arg]
    categories = SuggestedCategoryOutput(many=True)
    articles = SuggestedArticleOutput(many=True)


def _text_param(request: Request, name: str, limit: int) -> str:
    value = request.query_params.get(name, "")
    if len(value) > limit:
        raise errors.ValidationFailed.on(
            name, _("At most %(limit)s characters.") % {"limit": limit}
        )
    return value


class SuggestionsApi(ApiView):
    @extend_schema(
        parameters=[
            OpenApiParameter("title", OpenApiTypes.STR, description="The title as typed so far."),
            OpenApiParameter("description", OpenApiTypes.STR),
        ],
        responses={200: SuggestionsOutput},
    )
    def get(self, request: Request) -> Response:
        """Likely categories (up to 3, with scores; none when unsure) and up to 5 articles
        for a request being written, inside the caller's organization."""
        title = _text_param(request, "title", MAX_TITLE)
        description = _text_param(request, "description", MAX_DESCRIPTION)
        found = suggestions.suggest(self.actor, title, description)
        return Response(
            SuggestionsOutput(
                {
                    "categories": [
                        {"id": c.pk, "name": c.name, "score": s} for c, s in found.categories
                    ],
                    "articles": [
                        {"id": a.pk, "title": a.title, "url": article_url(a), "score": s}
                        for a, s in found.articles
                    ],
                }
            ).data
        )
