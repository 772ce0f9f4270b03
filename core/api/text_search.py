"""German full-text search, index-backed and with the same result sets on PostgreSQL and SQLite.

A module's table keeps the text to search in plain ``Text`` columns it fills itself (e.g. a title
column and a body column, every language of the text joined). Its migration declares the index
once, :func:`create_text_index`, naming each column's weight; its queries ask through
:func:`matching` (a filter) and :func:`text_rank` (for "most relevant first").

* **PostgreSQL**: a stored generated column ``search_vector`` — ``setweight(to_tsvector('german',
  column), weight) || …`` — with a GIN index. Stored, so a query that walks another index (the date
  order, when a fifth of the rows match) tests a row's vector without recomputing it; indexed, so a
  rare word is found from the GIN index. The planner picks between the two from the column's
  statistics (``ANALYZE`` after bulk loads, as the events module does).
* **SQLite**: an FTS5 table ``fts_<table>`` (one column per source column, ``rowid`` = the row's
  ``rowid``), kept in step by triggers that call :func:`search_terms` (registered on every SQLite
  connection): the very terms PostgreSQL's ``german`` configuration indexes — Snowball's German
  stemmer (the library PostgreSQL compiles in), its stop words, numbers and dotted names kept whole.

A query is words: every word must match (AND); with ``prefix`` the last word also matches longer
terms (type-ahead). PostgreSQL parses the query words with its own configuration; SQLite turns
them into terms with :func:`search_terms`. ``tests/test_text_search.py`` holds the two to the same
terms on a corpus of real German event texts. Known difference: a URL with a path (``/pfad``) is
split by PostgreSQL into host and path tokens, here into its words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import snowballstemmer
from sqlalchemy import (
    Float,
    Integer,
    Select,
    bindparam,
    column,
    event,
    false,
    func,
    literal,
    literal_column,
    select,
    table,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement

from core.api.dialect import Bindable, is_postgres
from core.api.german_stopwords import GERMAN_STOPWORDS

__all__ = ["TextIndex", "create_text_index", "drop_text_index", "matching", "search_terms", "text_rank"]

Weight = Literal["A", "B", "C", "D"]
CONFIG = "german"
VECTOR_COLUMN = "search_vector"
SQLITE_TERMS = "stadtkern_search_terms"
MAX_QUERY_WORDS = 12
# PostgreSQL's default weights of ts_rank (D, C, B, A = 0.1, 0.2, 0.4, 1.0), as bm25 column weights.
BM25_WEIGHTS: dict[str, float] = {"A": 1.0, "B": 0.4, "C": 0.2, "D": 0.1}
# PostgreSQL's parser: an e-mail address, a dotted name (host, "z.B.") and a hyphenated word are
# tokens of their own; the words of a hyphenated word are indexed too, the other two stay whole.
_TOKEN = re.compile(r"[^\W_]+(?:[.@][^\W_]+)+|[^\W_]+", re.UNICODE)
_STEMMER = snowballstemmer.stemmer("german")


@dataclass(frozen=True)
class TextIndex:
    """The searched text columns of a table, each with its weight (``"A"`` highest, ``"D"`` lowest)."""

    table: str
    columns: tuple[tuple[str, Weight], ...]


@lru_cache(maxsize=4096)
def _term(token: str) -> str | None:
    if "." in token or "@" in token or not token.isalpha():
        return token  # PostgreSQL's "simple" dictionary: numbers, words with digits, hosts, e-mails
    if token in GERMAN_STOPWORDS:
        return None
    return str(_STEMMER.stemWord(token))


def search_terms(value: str | None) -> str:
    """The terms PostgreSQL's ``german`` configuration indexes for ``value``, space-separated."""
    if not value:
        return ""
    terms = (_term(token) for token in _TOKEN.findall(value.lower()))
    return " ".join(term for term in terms if term)


def _query_words(query: str) -> list[str]:
    return [word for word in _TOKEN.findall(query.lower()) if _term(word)][:MAX_QUERY_WORDS]


def fts_name(table_name: str) -> str:
    """The FTS5 table of ``table_name`` on SQLite (not prefixed by the module: see rtree_<table>)."""
    return f"fts_{table_name}"


def index_name(table_name: str) -> str:
    """The GIN index of ``table_name``'s vector on PostgreSQL."""
    return f"ix_{table_name}_search"


# Identifiers only (quoted by the dialect), from module code, never from a request.
SQLITE_DDL = (
    # unicode61 without diacritics folding: the terms are already PostgreSQL's, "für" stays "für"
    "CREATE VIRTUAL TABLE {fts} USING fts5({cols}, tokenize = 'unicode61 remove_diacritics 0')",
    "INSERT INTO {fts}(rowid, {cols}) SELECT rowid, {old} FROM {t}",
    "CREATE TRIGGER {insert} AFTER INSERT ON {t} BEGIN INSERT OR REPLACE INTO {fts}(rowid, {cols}) "
    "VALUES (NEW.rowid, {new}); END",
    "CREATE TRIGGER {update} AFTER UPDATE OF {cols} ON {t} BEGIN DELETE FROM {fts} WHERE rowid = OLD.rowid; "
    "INSERT INTO {fts}(rowid, {cols}) VALUES (NEW.rowid, {new}); END",
    "CREATE TRIGGER {delete} AFTER DELETE ON {t} BEGIN DELETE FROM {fts} WHERE rowid = OLD.rowid; END",
)


@event.listens_for(Engine, "connect")
def register_sqlite_function(dbapi_connection: Any, _record: Any) -> None:
    """Every SQLite connection gets :func:`search_terms` (the FTS triggers call it)."""
    create_function = getattr(dbapi_connection, "create_function", None)
    if create_function is not None:
        create_function(SQLITE_TERMS, 1, search_terms, deterministic=True)


def _quote(connection: Connection, name: str) -> str:
    return str(connection.dialect.identifier_preparer.quote(name))


def create_text_index(bind: Connection, index: TextIndex) -> None:
    """In a migration's ``upgrade()``: the full-text index of ``index.table``, filled from its rows."""
    table_name, columns = index.table, index.columns
    t = _quote(bind, table_name)
    if is_postgres(bind):
        parts = " || ".join(
            f"setweight(to_tsvector('{CONFIG}'::regconfig, coalesce({_quote(bind, name)}, '')), '{weight}')"
            for name, weight in columns
        )
        bind.exec_driver_sql(
            f"ALTER TABLE {t} ADD COLUMN {VECTOR_COLUMN} tsvector GENERATED ALWAYS AS ({parts}) STORED"
        )
        bind.exec_driver_sql(f"CREATE INDEX {_quote(bind, index_name(table_name))} ON {t} USING gin ({VECTOR_COLUMN})")
        return
    trigger = fts_name(table_name) + "_"
    names = {
        "t": t,
        "fts": _quote(bind, fts_name(table_name)),
        "cols": ", ".join(_quote(bind, name) for name, _ in columns),
        "new": ", ".join(f"{SQLITE_TERMS}(NEW.{_quote(bind, name)})" for name, _ in columns),
        "old": ", ".join(f"{SQLITE_TERMS}({_quote(bind, name)})" for name, _ in columns),
        **{kind: _quote(bind, trigger + kind) for kind in ("insert", "update", "delete")},
    }
    for statement in SQLITE_DDL:
        bind.exec_driver_sql(statement.format(**names))


def drop_text_index(bind: Connection, index: TextIndex) -> None:
    """In a migration's ``downgrade()`` (and before a SQLite table rebuild): the index goes."""
    table_name = index.table
    if is_postgres(bind):
        bind.exec_driver_sql(f"DROP INDEX IF EXISTS {_quote(bind, index_name(table_name))}")
        bind.exec_driver_sql(f"ALTER TABLE {_quote(bind, table_name)} DROP COLUMN IF EXISTS {VECTOR_COLUMN}")
        return
    for suffix in ("insert", "update", "delete"):
        bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {_quote(bind, fts_name(table_name) + '_' + suffix)}")
    bind.exec_driver_sql(f"DROP TABLE IF EXISTS {_quote(bind, fts_name(table_name))}")


def _pg_spelled(words: list[str], prefix: bool) -> str:
    # Quoted words joined by AND; PostgreSQL stems each with the configuration that built the vector.
    return " & ".join(f"'{w}'" + (":*" if prefix and i == len(words) - 1 else "") for i, w in enumerate(words))


def _pg_query(words: list[str], prefix: bool, param: str | None = None) -> ColumnElement[Any]:
    spelled = bindparam(f"{param}_query", _pg_spelled(words, prefix)) if param else literal(_pg_spelled(words, prefix))
    return func.to_tsquery(literal_column(f"'{CONFIG}'::regconfig"), spelled)


def _fts_query(words: list[str], prefix: bool) -> str:
    terms = [_term(w) or "" for w in words]
    return " AND ".join(f'"{t}"' + ("*" if prefix and i == len(terms) - 1 else "") for i, t in enumerate(terms))


def _rowid(index: TextIndex) -> ColumnElement[int]:
    # Spelled out rather than a column of a second table object, which would join the table again.
    return literal_column(f"{index.table}.rowid", Integer())


def matching(
    bind: Bindable,
    statement: Select[Any],
    index: TextIndex,
    query: str,
    *,
    prefix: bool = False,
    param: str | None = None,
) -> Select[Any]:
    """``statement`` limited to rows of ``index.table`` whose indexed text has every word of ``query``.

    A query without a searchable word (only stop words or punctuation) matches nothing.
    Validate its length before (a 422 naming the field). With ``param``, the words go in as a
    bound parameter named after it, so that a statement built once serves any query with words:
    pass ``text_query_params(bind, param, query, prefix=...)`` when executing it."""
    words = _query_words(query)
    if not words:
        return statement.where(false())
    if is_postgres(bind):
        vector: ColumnElement[Any] = literal_column(f"{index.table}.{VECTOR_COLUMN}")
        return statement.where(vector.op("@@", is_comparison=True)(_pg_query(words, prefix, param)))
    fts = table(fts_name(index.table), column("rowid", Integer()))
    spelled = bindparam(f"{param}_query", _fts_query(words, prefix)) if param else _fts_query(words, prefix)
    hits = select(fts.c.rowid).where(literal_column(fts.name).op("MATCH", is_comparison=True)(spelled))
    return statement.where(_rowid(index).in_(hits))


def text_query_params(bind: Bindable, param: str, query: str, *, prefix: bool = False) -> dict[str, str] | None:
    """The value of a ``matching(..., param=param)`` condition for ``query``; None when the query has
    no searchable word (then it matches nothing: do not run the statement built for words)."""
    words = _query_words(query)
    if not words:
        return None
    spelled = _pg_spelled(words, prefix) if is_postgres(bind) else _fts_query(words, prefix)
    return {f"{param}_query": spelled}


def text_rank(bind: Bindable, index: TextIndex, query: str, *, prefix: bool = False) -> ColumnElement[float]:
    """SQL for how well a row matches ``query`` (higher is better; use it with :func:`matching`).

    PostgreSQL's ``ts_rank`` and SQLite's ``bm25`` with the same column weights: the order is
    alike but not identical on the two databases; the result set is the same."""
    words = _query_words(query)
    if not words:
        return literal(0.0, Float())
    if is_postgres(bind):
        vector: ColumnElement[Any] = literal_column(f"{index.table}.{VECTOR_COLUMN}")
        return func.ts_rank(vector, _pg_query(words, prefix), type_=Float())  # type: ignore[no-any-return]
    name = fts_name(index.table)
    fts = table(name, column("rowid", Integer()))
    weights = [literal(BM25_WEIGHTS[weight], Float()) for _, weight in index.columns]
    score = -func.bm25(literal_column(name), *weights, type_=Float())
    found = select(score).where(
        literal_column(name).op("MATCH", is_comparison=True)(_fts_query(words, prefix)),
        fts.c.rowid == _rowid(index),
    )
    return found.scalar_subquery()  # type: ignore[return-value]
