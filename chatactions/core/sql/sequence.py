"""Taking the next positions of a conversation's sequence, in one round trip.

RAW SQL (see ``chatactions.core.sql``). Every change a tab must see takes a
position with ``UPDATE conversation SET seq = seq + n ... RETURNING seq``
inside the transaction of the change. The UPDATE locks the conversation's
row until that transaction ends, so the next change of the same
conversation waits for it to commit before it gets its own number: a reader
that sees position N committed has every position below N committed too.
This is one more statement on a click's path, so, like the click's own, it
is compiled by Django once per database alias and reused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BigIntegerField, Case, DateTimeField, F, Value, When
from django.db.models.sql import UpdateQuery

from ...models import Conversation
from .compiled import Compiled, compile_sql, stand_in


@dataclass(frozen=True)
class _Take:
    update: Compiled
    #: ``update`` with ``RETURNING``, where the database can return from an UPDATE.
    returning: str | None


_built: dict[tuple[str, bool], _Take] = {}


def _build(connection: BaseDatabaseWrapper, touch: bool) -> _Take:
    rows = Conversation.objects.filter(pk=stand_in("conversation"))
    query = cast(UpdateQuery, rows.query.chain(UpdateQuery))
    # Typed as the field, so the stand-in is sent as the field sends it (Int8 on psycopg).
    step = Value(stand_in("count"), output_field=BigIntegerField())
    values: dict[str, Any] = {"seq": F("seq") + step}
    expected = ["conversation", "count"]
    if touch:  # a new message is activity: history's receiver, in the same statement
        at = Value(stand_in("at"), output_field=DateTimeField())
        later = When(last_activity_at__lt=at, then=at)
        values["last_activity_at"] = Case(later, default=F("last_activity_at"))
        expected.append("at")
    query.add_update_values(values)
    compiler = query.get_compiler(connection=connection)
    compiler.pre_sql_setup()
    sql, params = compiler.as_sql()
    update = compile_sql(sql, params, connection, *expected)
    returning = None
    # PostgreSQL and SQLite (3.35+) return from an UPDATE; MySQL and MariaDB do not.
    if connection.vendor in ("postgresql", "sqlite") and (
        connection.features.can_return_columns_from_insert
    ):
        column = connection.ops.quote_name(cast(str, Conversation._meta.get_field("seq").column))
        returning = f"{update.sql} RETURNING {column}"
    return _Take(update, returning)


def take(conversation_pk: int, count: int = 1, touch: datetime | None = None) -> int:
    """Take ``count`` positions of the conversation's sequence; returns the last of them.

    Call it inside the change's transaction, before the change touches any
    other row: every change of a conversation then locks its rows in the same
    order (the conversation first), so two changes cannot deadlock. ``touch``:
    a new message's time, which becomes the conversation's ``last_activity_at``
    if later, in the same statement (``history.record_activity``'s UPDATE).
    """
    using = router.db_for_write(Conversation)
    connection = connections[using]
    key = (using, touch is not None)
    built = _built.get(key)
    if built is None:
        built = _built[key] = _build(connection, touch is not None)
    values: dict[str, Any] = {"conversation": conversation_pk, "count": count}
    if touch is not None:
        values["at"] = touch
    params = built.update.params(connection, **values)
    with connection.cursor() as cursor:
        if built.returning is not None:
            cursor.execute(built.returning, params)
            return int(cursor.fetchone()[0])
        cursor.execute(built.update.sql, params)
    seq = Conversation.objects.using(using).values_list("seq", flat=True).get(pk=conversation_pk)
    return int(seq)
