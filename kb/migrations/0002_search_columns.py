"""Search support that Django's schema does not describe: extensions, the accent-folding
function, and the article's search vector and folded title (kept by kb.search)."""

from django.db import migrations

SQL = """
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE OR REPLACE FUNCTION rd_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;
ALTER TABLE kb_articlepage
    ADD COLUMN search_vector tsvector NOT NULL DEFAULT ''::tsvector,
    ADD COLUMN search_title text NOT NULL DEFAULT '';
CREATE INDEX kb_article_search_vector ON kb_articlepage USING gin (search_vector);
CREATE INDEX kb_article_search_title ON kb_articlepage USING gin (search_title gin_trgm_ops);
"""

REVERSE = """
DROP INDEX IF EXISTS kb_article_search_title;
DROP INDEX IF EXISTS kb_article_search_vector;
ALTER TABLE kb_articlepage DROP COLUMN IF EXISTS search_title,
    DROP COLUMN IF EXISTS search_vector;
DROP FUNCTION IF EXISTS rd_unaccent(text);
"""


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
