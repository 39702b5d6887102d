"""A statement compiled by Django on stand-in values, and the slots its values go in.

RAW SQL (see ``chatactions.core.sql``). ``compile_update(queryset, ...)`` is
``queryset.update()`` written by Django's own compiler but not run: the
stand-ins, values no call uses, show which parameter is which, and
``Compiled.params(...)`` puts a call's values in their place, each prepared
by its field as the ORM prepares it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model, QuerySet
from django.db.models.sql import DeleteQuery, UpdateQuery

from ...models import Action, ActionClick, Conversation, Message, RunningTask

#: Stand-ins, one per value a call brings: (model, field, a value no call uses).
STAND_INS: dict[str, tuple[type[Model], str, Any]] = {
    "action_id": (Action, "uuid", uuid.UUID(int=0xC1)),
    "pk": (Action, "id", 2_000_000_001),
    "now": (Action, "claimed_until", datetime(2001, 2, 3, 4, 5, 6, 7, tzinfo=UTC)),
    "until": (Action, "claimed_until", datetime(2002, 3, 4, 5, 6, 7, 8, tzinfo=UTC)),
    "token": (Action, "claim_token", uuid.UUID(int=0xC2)),
    "click": (ActionClick, "id", 2_000_000_002),
    "outcome": (ActionClick, "outcome", "\x01outcome"),
    "duration_ms": (ActionClick, "duration_ms", 1234.5678),
    "error": (ActionClick, "error", "\x01error"),
    "conversation": (Conversation, "id", 2_000_000_003),
    "count": (Conversation, "seq", 2_000_000_004),
    "at": (Conversation, "last_activity_at", datetime(2003, 4, 5, 6, 7, 8, 9, tzinfo=UTC)),
    "task": (RunningTask, "token", uuid.UUID(int=0xC3)),
    "message": (Message, "id", 2_000_000_005),
    "seq": (Message, "seq", 2_000_000_006),
    "removed_at": (Action, "removed_at", datetime(2004, 5, 6, 7, 8, 9, 10, tzinfo=UTC)),
}


@dataclass(frozen=True)
class Compiled:
    """A statement and, per parameter, the name of the call's value or a constant."""

    sql: str
    slots: tuple[tuple[str | None, Any], ...]

    def params(self, connection: BaseDatabaseWrapper, **values: Any) -> list[Any]:
        """The parameters of one call: its ``values`` prepared, in Django's order."""
        return [
            value if name is None else prep(name, values[name], connection)
            for name, value in self.slots
        ]


def prep(name: str, value: Any, connection: BaseDatabaseWrapper) -> Any:
    """A value as the ORM would send it for that field (a UUID is its hex on SQLite)."""
    model, field, _ = STAND_INS[name]
    return cast("Field[Any, Any]", model._meta.get_field(field)).get_db_prep_value(
        value, connection
    )


def compile_sql(
    sql: str, params: tuple[Any, ...], connection: BaseDatabaseWrapper, *expected: str
) -> Compiled:
    """Django's SQL, with each stand-in parameter marked as the slot of its value.

    Every ``expected`` value must be found among the parameters: if Django ever
    sent a stand-in otherwise than ``_prep`` does, this fails at the first click
    instead of running a statement with a stand-in frozen into it.
    """
    stand_ins = {name: prep(name, stand_in(name), connection) for name in expected}
    slots = []
    for param in params:
        name = next(
            (n for n, p in stand_ins.items() if type(p) is type(param) and p == param), None
        )
        slots.append((name, None if name else param))
    missing = set(expected) - {name for name, _ in slots}
    if missing:
        raise RuntimeError(f"chatactions: cannot place {sorted(missing)} in {sql}")
    return Compiled(sql, tuple(slots))


def compile_update(
    queryset: QuerySet[Any], connection: BaseDatabaseWrapper, expected: list[str], **values: str
) -> Compiled:
    """``queryset.update()`` of the ``values`` stand-ins compiled, not run.

    ``expected`` names the stand-ins of the filter; ``values`` maps a field to
    the stand-in it is set to (empty: set to NULL).
    """
    query = cast(UpdateQuery, queryset.query.chain(UpdateQuery))
    query.add_update_values(
        {field: stand_in(name) if name else None for field, name in values.items()}
    )
    compiler = query.get_compiler(connection=connection)
    compiler.pre_sql_setup()
    sql, params = compiler.as_sql()
    return compile_sql(sql, params, connection, *expected, *filter(None, values.values()))


def compile_delete(
    queryset: QuerySet[Any], connection: BaseDatabaseWrapper, expected: list[str]
) -> Compiled:
    """``queryset.delete()`` as one DELETE, compiled, not run (no cascade, no signals:
    for rows nothing points to, deleted where no ``pre_delete``/``post_delete`` listens)."""
    query = cast(DeleteQuery, queryset.query.chain(DeleteQuery))
    sql, params = query.get_compiler(connection=connection).as_sql()
    return compile_sql(sql, params, connection, *expected)


def stand_in(name: str) -> Any:
    """The stand-in of a named value, to write a queryset with."""
    return STAND_INS[name][2]
