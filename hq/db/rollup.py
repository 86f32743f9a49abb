"""The dashboard's roll-ups: counts per store day, kept by the database itself.

A year over every store is ~a million rows in each source table; the console's dashboard must answer it
in 300 ms (DESIGN.md §7). So HQ keeps the counts already added up, in three tables of one shape:

- `stats_days`   — per store day, store and guide ('' where no guide is named): one store's figures,
  its trend, and the edge days of a range;
- `stats_months`, `stats_years` — the same per store month and year: a range over every store is read
  as whole years and months and the days around them (hq/services/periods.py);
- `stats_trend`  — per store day and *part* (the first character of the store id, 16 parts): the
  chain's trend without reading every store. Parts, not one chain-wide row, so that concurrent pushes
  from different stores do not queue on one row lock.

Triggers on the source tables add a row's contribution when it is inserted, take it away when it is
deleted, and move it when a counted column changes — in the same transaction as the write, whatever
wrote it (a push, the console, an import, an erasure), so a roll-up is never stale and never counts a
rolled-back write. `SOURCES` below is the one definition of what is counted; the triggers on both
databases and `rebuild` (the migration's backfill, and the repair after a restore) are generated
from it. Store days are days in the contract's STORE_TZ (a fixed offset).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from contract.storetime import STORE_TZ

METRICS = ("new_members", "enrolled", "paid", "declined", "bound", "tasks_done", "tasks_open")
TABLES = ("stats_days", "stats_months", "stats_years", "stats_trend")
_HOURS = int(STORE_TZ.utcoffset(None).total_seconds() // 3600)


@dataclass(frozen=True)
class Contribution:
    """What one source row adds: `metrics` (metric → SQL over the row `{r}`) at the store day of its
    `at` column, for its store and `guide` (a column, or None), when `at` is set and `when` holds."""

    at: str
    guide: str | None
    metrics: dict[str, str]
    when: str | None = None
    uses: tuple[str, ...] = ()  # other columns read by `when` or `metrics`

    def columns(self) -> tuple[str, ...]:
        return ("store_id", self.at, *((self.guide,) if self.guide else ()), *self.uses)


_PAID = "CASE WHEN {r}.is_paid THEN 1 ELSE 0 END"

SOURCES: dict[str, tuple[Contribution, ...]] = {
    "members": (
        Contribution("created_at", None, {"new_members": "1"}),
        Contribution(
            "enrolled_at",
            "enrolled_by_guide_id",
            {"enrolled": "1", "paid": _PAID},
            when="{r}.enrolled_by_guide_id IS NOT NULL",
            uses=("is_paid",),
        ),
    ),
    "declines": (Contribution("at", "guide_id", {"declined": "1"}),),
    "bindings": (Contribution("bound_at", "guide_id", {"bound": "1"}),),
    "task_items": (
        Contribution(
            "completed_at",
            "completed_by_guide_id",
            {"tasks_done": "1"},
            when="{r}.state = 'done'",
            uses=("state",),
        ),
        # Open items by the day they fall due: the dashboard's overdue count for days already over.
        Contribution(
            "due_at", "assigned_guide_id", {"tasks_open": "1"}, when="{r}.state = 'open'", uses=("state",)
        ),
    ),
}


def _day(dialect: str, column: str, *, unit: str = "day") -> str:
    """The store day of a UTC timestamp column, or the first day of its month or year."""
    if dialect == "postgresql":
        shifted = f"({column} + interval '{_HOURS} hours')"
        return f"{shifted}::date" if unit == "day" else f"date_trunc('{unit}', {shifted})::date"
    start_of = "" if unit == "day" else f", 'start of {unit}'"
    return f"date({column}, '+{_HOURS} hours'{start_of})"


def _keys(dialect: str, table: str, r: str, c: Contribution) -> dict[str, str]:
    """The key columns of `table` and their SQL for row `r`."""
    at = f"{r}.{c.at}"
    guide = f"COALESCE({r}.{c.guide}, '')" if c.guide else "''"
    if table == "stats_days":
        return {"day": _day(dialect, at), "store_id": f"{r}.store_id", "guide_id": guide}
    if table == "stats_months":
        return {"month": _day(dialect, at, unit="month"), "store_id": f"{r}.store_id", "guide_id": guide}
    if table == "stats_years":
        return {"year": _day(dialect, at, unit="year"), "store_id": f"{r}.store_id", "guide_id": guide}
    return {"day": _day(dialect, at), "part": f"substr({r}.store_id, 1, 1)"}


def _condition(r: str, c: Contribution) -> str:
    return " AND ".join([f"{r}.{c.at} IS NOT NULL", *([c.when.format(r=r)] if c.when else [])])


def _upsert(table: str, keys: dict[str, str], values: dict[str, str], tail: str) -> str:
    names = ", ".join([*keys, *values])
    adds = ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in values)
    return (
        f"INSERT INTO {table} ({names}) SELECT {', '.join([*keys.values(), *values.values()])} {tail} "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {adds}"
    )


def _row_statements(dialect: str, source: str, r: str, sign: int) -> list[str]:
    """Add (`sign` 1) or take away (-1) the contribution of the trigger's row `r` (NEW or OLD)."""
    out = []
    for c in SOURCES[source]:
        values = {
            m: (sql.format(r=r) if sign > 0 else f"-({sql.format(r=r)})") for m, sql in c.metrics.items()
        }
        for table in TABLES:
            out.append(_upsert(table, _keys(dialect, table, r, c), values, f"WHERE {_condition(r, c)}"))
    return out


def _watched(source: str) -> list[str]:
    return sorted({col for c in SOURCES[source] for col in c.columns()})


def trigger_ddl(dialect: str) -> list[str]:
    """CREATE statements for every source's triggers on `dialect` ('sqlite' or 'postgresql')."""
    out: list[str] = []
    for source in SOURCES:
        watched = _watched(source)
        name = f"stats_{source}"
        if dialect == "postgresql":
            take = "; ".join(_row_statements(dialect, source, "OLD", -1))
            add = "; ".join(_row_statements(dialect, source, "NEW", 1))
            out.append(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF TG_OP <> 'INSERT' THEN {take}; END IF; "
                f"IF TG_OP <> 'DELETE' THEN {add}; END IF; "
                "RETURN NULL; END $$"
            )
            changed = " OR ".join(f"OLD.{col} IS DISTINCT FROM NEW.{col}" for col in watched)
            out.append(
                f"CREATE TRIGGER {name}_write AFTER INSERT OR DELETE ON {source} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()"
            )
            out.append(
                f"CREATE TRIGGER {name}_update AFTER UPDATE OF {', '.join(watched)} ON {source} "
                f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {name}()"
            )
            continue
        take = "".join(f"{s}; " for s in _row_statements(dialect, source, "OLD", -1))
        add = "".join(f"{s}; " for s in _row_statements(dialect, source, "NEW", 1))
        changed = " OR ".join(f"OLD.{col} IS NOT NEW.{col}" for col in watched)
        out.append(f"CREATE TRIGGER {name}_insert AFTER INSERT ON {source} BEGIN {add}END")
        out.append(f"CREATE TRIGGER {name}_delete AFTER DELETE ON {source} BEGIN {take}END")
        out.append(
            f"CREATE TRIGGER {name}_update AFTER UPDATE OF {', '.join(watched)} ON {source} "
            f"WHEN {changed} BEGIN {take}{add}END"
        )
    return out


def drop_ddl(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP FUNCTION IF EXISTS stats_{source}() CASCADE" for source in SOURCES]
    return [
        f"DROP TRIGGER IF EXISTS stats_{source}_{event}"
        for source in SOURCES
        for event in ("insert", "delete", "update")
    ]


def install(conn: Connection) -> None:
    for statement in trigger_ddl(conn.dialect.name):
        conn.exec_driver_sql(statement)


def rebuild(conn: Connection) -> None:
    """Count the roll-ups afresh from the source tables (in the caller's transaction): the backfill when
    they are created, and the repair after a restore that brought source rows without their counts."""
    dialect = conn.dialect.name
    for table in TABLES:
        conn.exec_driver_sql(f"DELETE FROM {table}")
    for source, contributions in SOURCES.items():
        for c in contributions:
            for table in TABLES:
                keys = _keys(dialect, table, "s", c)
                values = {m: f"SUM({sql.format(r='s')})" for m, sql in c.metrics.items()}
                groups = ", ".join(str(i) for i in range(1, len(keys) + 1))  # by position: a key may be ''
                conn.exec_driver_sql(
                    _upsert(
                        table, keys, values, f"FROM {source} s WHERE {_condition('s', c)} GROUP BY {groups}"
                    )
                )
