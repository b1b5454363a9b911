"""Article search in both languages (PostgreSQL full text plus trigrams).

PostgreSQL ships no Polish text-search configuration, so each article's vector is
built with its own configuration: `english` (stemming, stop words) for English,
`simple` for Polish; both over accent-folded text (`rd_unaccent`), so "haslo"
finds "hasło". The word being typed matches as a prefix, and a trigram match on
the accent-folded title catches typos. The vector and the folded title are
columns Django does not manage (migration 0002); `index_article` keeps them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection

if TYPE_CHECKING:
    from kb.models import ArticlePage

CONFIGS = {"en": "english", "pl": "simple"}
TRIGRAM_MIN = 0.5
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_WORDS = 12

_INDEX_SQL = """
UPDATE kb_articlepage a SET
    search_title = lower(rd_unaccent(p.title)),
    search_vector =
        setweight(to_tsvector(%(cfg)s::regconfig, rd_unaccent(p.title)), 'A')
        || setweight(to_tsvector(%(cfg)s::regconfig, rd_unaccent(a.summary)), 'B')
        || setweight(to_tsvector(%(cfg)s::regconfig, rd_unaccent(a.body_text)), 'C')
FROM wagtailcore_page p
WHERE p.id = a.page_ptr_id AND a.page_ptr_id = %(pk)s
"""


def index_article(article: ArticlePage) -> None:
    """Recompute the article's vector and folded title from its stored row."""
    with connection.cursor() as cursor:
        cursor.execute(_INDEX_SQL, {"cfg": CONFIGS[article.language], "pk": article.pk})


@dataclass(frozen=True)
class Query:
    """A typed query split for SQL: whole words, and the last word as a prefix."""

    words: tuple[str, ...]
    text: str

    @classmethod
    def parse(cls, raw: str) -> Query | None:
        words = tuple(_WORD.findall(raw.lower()))[:MAX_QUERY_WORDS]
        if not words:
            return None
        return cls(words=words, text=" ".join(words))

    def tsquery_text(self, *, any_word: bool = False) -> str:
        """`to_tsquery` input: every word ANDed (ORed for suggestions), the last a prefix."""
        *head, last = self.words
        return (" | " if any_word else " & ").join([*head, f"{last}:*"])


TABLE = "kb_articlepage"


@dataclass(frozen=True)
class Clause:
    sql: str
    params: list[str]


def match(query: Query, *, any_word: bool = False) -> tuple[Clause, Clause]:
    """(where, rank) over kb_articlepage for `query`, with positional parameters.

    One clause per language, so the GIN index on the vector serves each; the folded
    typo fallback compares the folded title by pg_trgm's word similarity (at or above
    TRIGRAM_MIN; pg_trgm's `<%` operator would use the trigram index but its threshold
    of 0.6 missed one-letter typos in short words).
    """
    tsq_text = query.tsquery_text(any_word=any_word)
    wheres: list[str] = []
    ranks: list[str] = []
    where_params: list[str] = []
    rank_params: list[str] = []
    for language, cfg in CONFIGS.items():
        tsq = f"to_tsquery('{cfg}', rd_unaccent(%s))"
        wheres.append(f"({TABLE}.language = '{language}' AND {TABLE}.search_vector @@ {tsq})")
        where_params.append(tsq_text)
        ranks.append(
            f"CASE WHEN {TABLE}.language = '{language}' "
            f"THEN ts_rank_cd({TABLE}.search_vector, {tsq}) ELSE 0 END"
        )
        rank_params.append(tsq_text)
    wheres.append(
        f"(word_similarity(lower(rd_unaccent(%s)), {TABLE}.search_title) >= {TRIGRAM_MIN})"
    )
    where_params.append(query.text)
    ranks.append(f"word_similarity(lower(rd_unaccent(%s)), {TABLE}.search_title) * 0.5")
    rank_params.append(query.text)
    return (
        Clause("(" + " OR ".join(wheres) + ")", where_params),
        Clause("(" + " + ".join(ranks) + ")", rank_params),
    )
