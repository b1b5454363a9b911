"""Suggestions while a requester writes: likely categories and helpful articles.

Categories: the organization's naive Bayes counts (kb.services.classifier) give a
posterior over categories for the typed title (and description); the categories of
the best-matching articles add evidence. Nothing is suggested (abstain) when the
best category's combined score is below `MIN_TOP`. Articles: full text over the
organization's articles visible to the person, any word matching, boosted when they
carry a suggested category.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection

from kb import selectors
from kb import tokens as tk
from kb.models import ArticlePage, NbCategory
from ruledesk.tenancy.models import User
from workflows.models import Category

MAX_CATEGORIES = 3
MAX_ARTICLES = 5
# The model speaks only after this many resolved examples in the organization.
MIN_EXAMPLES = 20
MIN_TOP = 0.4
MIN_SHOWN = 0.1
MODEL_WEIGHT = 0.75  # the rest is the matched articles' categories
CATEGORY_BOOST = 1.0
ALPHA = 1.0
_VOCABULARY_TTL = 60.0
_vocabulary: dict[int, tuple[float, int]] = {}


@dataclass(frozen=True)
class Suggestion:
    categories: list[tuple[Category, float]]
    articles: list[tuple[ArticlePage, float]]


def _vocabulary_size(organization_id: int) -> int:
    now = time.monotonic()
    cached = _vocabulary.get(organization_id)
    if cached is not None and now - cached[0] < _VOCABULARY_TTL:
        return cached[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT token) FROM kb_nbtoken WHERE organization_id = %s",
            [organization_id],
        )
        size = int(cursor.fetchone()[0])
    _vocabulary[organization_id] = (now, size)
    return size


def model_posterior(organization_id: int, text: str) -> dict[int, float]:
    """P(category | text) from the counts; empty when the model has too few examples."""
    classes = list(
        NbCategory.objects.filter(organization_id=organization_id, docs__gt=0).values_list(
            "category_id", "docs", "tokens"
        )
    )
    total = sum(docs for _, docs, _ in classes)
    found = tk.tokens(text)
    if total < MIN_EXAMPLES or not found:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT category_id, token, count FROM kb_nbtoken"
            " WHERE organization_id = %s AND token = ANY(%s::text[])",
            [organization_id, sorted(set(found))],
        )
        counts: dict[int, dict[str, int]] = defaultdict(dict)
        for category_id, token, count in cursor.fetchall():
            counts[category_id][token] = count
    if not counts:
        return {}  # no known word: the prior alone is not a suggestion
    vocabulary = max(_vocabulary_size(organization_id), 1)
    logs: dict[int, float] = {}
    for category_id, docs, tokens in classes:
        denominator = tokens + ALPHA * vocabulary
        seen = counts.get(category_id, {})
        logs[category_id] = math.log(docs / total) + sum(
            math.log((seen.get(token, 0) + ALPHA) / denominator) for token in found
        )
    top = max(logs.values())
    weights = {c: math.exp(v - top) for c, v in logs.items()}
    norm = sum(weights.values())
    return {c: w / norm for c, w in weights.items()}


def _article_categories(ranked: list[tuple[ArticlePage, float]]) -> dict[int, float]:
    votes: dict[int, float] = defaultdict(float)
    for article, score in ranked:
        for category in article.categories.all():
            votes[category.pk] += score
    total = sum(votes.values())
    return {c: v / total for c, v in votes.items()} if total > 0 else {}


def suggest(user: User, title: str, description: str = "") -> Suggestion:
    """Up to 3 categories with scores and up to 5 articles, inside the user's organization."""
    if user.organization_id is None:
        return Suggestion([], [])
    text = f"{title} {description}".strip()
    visible = selectors.with_related(selectors.articles_visible_to(user))
    matched = selectors.matching(visible, " ".join(tk.words(text)[:12]), any_word=True)
    candidates = [(a, float(a.score)) for a in matched[:20]] if matched is not None else []
    posterior = model_posterior(user.organization_id, text)
    from_articles = _article_categories(candidates[:MAX_ARTICLES])
    weight = (MODEL_WEIGHT if from_articles else 1.0) if posterior else 0.0
    combined: dict[int, float] = defaultdict(float)
    for category_id, p in posterior.items():
        combined[category_id] += weight * p
    for category_id, p in from_articles.items():
        combined[category_id] += (1 - weight) * p
    usable = {
        c.pk: c
        for c in Category.objects.filter(
            organization_id=user.organization_id, pk__in=list(combined), is_archived=False
        )
    }
    ranked = sorted(
        ((usable[c], s) for c, s in combined.items() if c in usable), key=lambda p: (-p[1], p[0].pk)
    )
    if not ranked or ranked[0][1] < MIN_TOP:
        categories: list[tuple[Category, float]] = []
    else:
        categories = [(c, round(s, 3)) for c, s in ranked[:MAX_CATEGORIES] if s >= MIN_SHOWN]
    boost = {c.pk: s for c, s in categories}
    articles = sorted(
        (
            (
                a,
                score
                * (
                    1
                    + CATEGORY_BOOST
                    * max((boost.get(c.pk, 0.0) for c in a.categories.all()), default=0.0)
                ),
            )
            for a, score in candidates
        ),
        key=lambda p: (-p[1], -p[0].pk),
    )[:MAX_ARTICLES]
    return Suggestion(categories, [(a, round(s, 3)) for a, s in articles])
