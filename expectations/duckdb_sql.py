"""Great Expectations on DuckDB: a suite compiled to SQL and run by DuckDB where the rows are
(a parsed delivery as Arrow, registered on a connection of the warehouse), not on a pandas
copy of the whole table.

GX 1.x has no DuckDB data source, but its SQL data source runs on any SQLAlchemy dialect, and
duckdb-engine is DuckDB's. Two things make them meet:

- the rows are not in a database GX could open by URL: they are registered on a connection of
  the run's warehouse. `handed_over(con, tables)` lends GX a cursor of that connection with the
  tables registered on it, for the time of the `with` block; the dialect `duckdb+linfen://`
  (registered below) hands GX that cursor instead of opening a database;
- DuckDB 2.0 drops a result as soon as its connection runs another statement, and GX fetches
  its metric rows after SQLAlchemy has used the connection again: the cursor takes the rows
  of each statement at once (GX's metric queries return a row of aggregates each);
- GX writes a regular expression for the dialects it knows; duckdb-engine's dialect is
  PostgreSQL's, so GX is told so and writes `column ~ 'pattern'`. In DuckDB `~` matches the
  whole value (PostgreSQL's finds the pattern anywhere): the feed suites' patterns are anchored
  (`^…$`), where the two agree.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import pyarrow as pa
from duckdb_engine import ConnectionWrapper, CursorWrapper, Dialect
from sqlalchemy import pool
from sqlalchemy.dialects import postgresql, registry

CONNECTION_STRING = "duckdb+linfen://"
_lent: list[duckdb.DuckDBPyConnection] = []


def lent_connection() -> duckdb.DuckDBPyConnection:
    if not _lent:
        raise RuntimeError(f"{CONNECTION_STRING} is used outside expectations.duckdb_sql.handed_over()")
    return _lent[-1]


@contextmanager
def handed_over(
    con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table], views: dict[str, str] | None = None
) -> Iterator[None]:
    """Let GX's SQL data source (`CONNECTION_STRING`) query `tables` (Arrow, registered by
    name) and `views` (name -> SELECT over them, made temporary views) through a cursor of
    `con`."""
    cursor = con.cursor()
    for name, table in tables.items():
        cursor.register(name, table)
    for name, query in (views or {}).items():
        cursor.execute(f"CREATE TEMPORARY VIEW {name} AS {query}")  # names and queries of ours only
    _lent.append(cursor)
    try:
        yield
    finally:
        _lent.remove(cursor)
        cursor.close()


class _BufferedCursor(CursorWrapper):
    """duckdb-engine's cursor, holding each statement's rows as soon as it has run."""

    def __init__(self, con: duckdb.DuckDBPyConnection, wrapper: ConnectionWrapper) -> None:
        super().__init__(con, wrapper)
        self._duck = con
        self._rows: deque = deque()
        self._description: Any = None

    def execute(self, statement: str, parameters: Any = None, context: Any = None) -> None:
        super().execute(statement, parameters, context)
        self._description = self._duck.description
        self._rows = deque(self._duck.fetchall() if self._description else ())

    @property
    def description(self) -> Any:
        return self._description

    def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list:
        return [self._rows.popleft() for _ in range(min(size or 1, len(self._rows)))]

    def fetchall(self) -> list:
        rows, self._rows = list(self._rows), deque()
        return rows


class _LentConnection(ConnectionWrapper):
    """The connection SQLAlchemy holds: every cursor runs on the connection lent right now."""

    def __init__(self) -> None:
        super().__init__(None)  # type: ignore[arg-type]

    def cursor(self) -> CursorWrapper:
        return _BufferedCursor(lent_connection(), self)

    def __getattr__(self, name: str) -> Any:
        return getattr(lent_connection(), name)

    def close(self) -> None:
        """The connection belongs to the run; `handed_over` closes its cursor."""


class LentDuckDBDialect(Dialect):
    driver = "linfen"
    supports_statement_cache = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # GX picks the regular-expression syntax it writes by `dialect.dialect`: PostgreSQL's
        # (see above). On the instance: SQLAlchemy takes a class attribute of that name for
        # the dialect to load.
        self.dialect = postgresql.dialect

    def connect(self, *cargs: Any, **cparams: Any) -> ConnectionWrapper:
        return _LentConnection()

    @classmethod
    def get_pool_class(cls, url: Any) -> type[pool.Pool]:
        return pool.StaticPool


registry.register("duckdb.linfen", __name__, "LentDuckDBDialect")
