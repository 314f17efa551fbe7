"""The queue as people work it: search without diacritics, saved filters.

``phananh_fold`` lowers a text, takes the Vietnamese marks off (``unaccent``'s own rules map
"ổ" to "o" and "đ" to "d", precomposed or not) and makes every run of other characters one
space. ``phananh_queue_document`` is what the queue searches: the words of the code, the
description and the address, folded, as a ``simple`` text-search vector;
``phananh_queue_query`` turns what was typed into the query that asks for every word as the
start of a word ("o ga" finds "Ổ gà"; a word of one letter but the last typed only as a
whole word, "o" being the start of too many; a number of up to five digits also as a report's
zero-padded number). All three are IMMUTABLE (the dictionary and the configuration are
named, not looked up on the search path), so an index may hold them.

The indexes hold the open reports only, the only ones a queue lists (one in twenty): the
words (GIN, written through at once: no pending list for a search to read), and the deadline
order of the whole service, of a unit and of an officer, each carrying the columns the
filters and the tabs' counts read, so those are answered from the index alone; and the
service's open reports most urgent first (``phananh_priority_rank``), a dispatcher's other sort.

Downgrading leaves the unaccent extension installed (harmless, and another migration may
come to use it).

Revision ID: c3b7e2d9f104
Revises: 8e4f1b6a2c90
Create Date: 2026-12-01 15:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c3b7e2d9f104"
down_revision: str | None = "8e4f1b6a2c90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status IN ('acknowledged', 'assigned', 'awaiting_info', 'in_progress', 'reopened', 'submitted')"
CARRIED = [
    "status",
    "priority",
    "category_id",
    "area_id",
    "current_unit_id",
    "current_officer_id",
    "submitted_at",
    "citizen_id",
]
# Name, the columns it orders by, after the scope's.
ORDERS = {
    "ix_complaints_queue_due": [],
    "ix_complaints_queue_unit": ["current_unit_id"],
    "ix_complaints_queue_officer": ["current_officer_id"],
}


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute(
        """
        CREATE FUNCTION phananh_fold(value text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        RETURN btrim(regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, value)),
                                    '[^a-z0-9]+', ' ', 'g'))
        """
    )
    op.execute(
        """
        CREATE FUNCTION phananh_queue_document(code text, description text, address text) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        RETURN to_tsvector('pg_catalog.simple'::regconfig,
                           phananh_fold(code || ' ' || coalesce(description, '') || ' ' || coalesce(address, '')))
        """
    )
    op.execute(
        r"""
        CREATE FUNCTION phananh_queue_query(words text) RETURNS tsquery
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        BEGIN ATOMIC
            SELECT to_tsquery('pg_catalog.simple'::regconfig, string_agg(
                       CASE WHEN word ~ '^[0-9]{1,5}$' THEN '(' || starts || ' | ' || lpad(word, 6, '0') || ')'
                            ELSE starts END, ' & ' ORDER BY n))
            FROM regexp_split_to_table(phananh_fold(words), ' ') WITH ORDINALITY AS typed (word, n),
                 LATERAL (SELECT CASE WHEN length(word) = 1
                                       AND n < cardinality(regexp_split_to_array(phananh_fold(words), ' '))
                                      THEN word ELSE word || ':*' END AS starts) AS s
            WHERE word <> '';
        END
        """
    )
    op.execute(
        """
        CREATE FUNCTION phananh_priority_rank(priority text) RETURNS integer
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        RETURN CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END
        """
    )
    op.execute(
        "CREATE INDEX ix_complaints_queue_search ON complaints "
        "USING gin (phananh_queue_document(code, description, address)) "
        f"WITH (fastupdate = off) WHERE {OPEN}"
    )
    for name, scope in ORDERS.items():
        op.create_index(
            name,
            "complaints",
            [*scope, "due_at", "id"],
            postgresql_include=[c for c in CARRIED if c not in scope],
            postgresql_where=sa.text(OPEN),
        )
    # The most urgent first across the service (a dispatcher's sort by priority).
    op.create_index(
        "ix_complaints_queue_priority",
        "complaints",
        [sa.text("phananh_priority_rank(priority)"), "due_at", "id"],
        postgresql_include=CARRIED,
        postgresql_where=sa.text(OPEN),
    )
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("params", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_saved_filters_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "name", name="uq_saved_filters_user_name"),
    )
    op.create_index(op.f("ix_saved_filters_user_id"), "saved_filters", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_saved_filters_user_id"), table_name="saved_filters")
    op.drop_table("saved_filters")
    for name in ORDERS:
        op.drop_index(name, table_name="complaints", postgresql_where=sa.text(OPEN))
    op.drop_index("ix_complaints_queue_priority", table_name="complaints", postgresql_where=sa.text(OPEN))
    op.execute("DROP INDEX ix_complaints_queue_search")
    op.execute("DROP FUNCTION phananh_queue_query(text)")
    op.execute("DROP FUNCTION phananh_queue_document(text, text, text)")
    op.execute("DROP FUNCTION phananh_priority_rank(text)")
    op.execute("DROP FUNCTION phananh_fold(text)")
