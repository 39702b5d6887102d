"""The SQL of a click, written once per database connection and reused.

Every click runs the same few statements: find the button with its message and
conversation, claim it and write its audit row, save the callback's reply, then
release the button and write the click's outcome. Through the ORM each of them
was compiled anew on every click (joins, lookups, the WHERE tree), and that
compiling cost more than the database did: it made Django's query compiler the
bottleneck of a busy process (docs/benchmarks.md). Here each statement is
written once per connection from the models' own metadata (tables, columns,
quoting), and values go in and come out through the fields' own conversions,
so the database sees what the ORM would have sent. ``pre_save`` and
``post_save`` are sent as ``save()`` sends them. Everything off the hot path
stays ORM.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.signals import post_save, pre_save

from .models import Action, ActionClick, Conversation, Message

_M = TypeVar("_M", bound=Model)
Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]

#: The models of the lookup's join, in the order their columns are selected.
JOINED: tuple[type[Model], ...] = (Action, Message, Conversation)
#: What a release writes to the click's audit row.
OUTCOME_FIELDS = ("outcome", "duration_ms", "error")


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    return cast("Field[Any, Any]", model._meta.get_field(name))


def _pk(model: type[Model]) -> Field[Any, Any]:
    pk = model._meta.pk
    assert pk is not None
    return pk


def _prep(model: type[Model], name: str, value: Any, connection: BaseDatabaseWrapper) -> Any:
    """A value as the ORM would send it for that field (a UUID is its hex on SQLite)."""
    return _field(model, name).get_db_prep_value(value, connection)


@dataclass(frozen=True)
class _Statements:
    """The click's statements for one connection (its vendor, its quoting)."""

    find: str
    claim: str
    release: str
    finish_click: str
    #: PostgreSQL only: the claim with its audit row, and the release with the
    #: click's outcome, each in one statement (data-modifying ``WITH``), so each
    #: is one round trip instead of four (BEGIN, two statements, COMMIT).
    claim_and_record: str | None
    release_and_record: str | None
    #: (column index, expression, converters) for each selected column that needs them.
    converters: list[tuple[int, Any, list[Converter]]]


@dataclass(frozen=True)
class _Insert:
    """``INSERT INTO table (columns) ... RETURNING id`` of one model, for one connection."""

    into: str
    fields: list[Field[Any, Any]]
    returning: str

    @property
    def sql(self) -> str:
        return f"{self.into} VALUES ({', '.join(['%s'] * len(self.fields))}){self.returning}"


_built: dict[str, _Statements] = {}
_inserts: dict[tuple[str, type[Model]], _Insert] = {}


def _statements(connection: BaseDatabaseWrapper) -> _Statements:
    built = _built.get(connection.alias)
    if built is None:
        built = _built[connection.alias] = _build(connection)
    return built


def _build(connection: BaseDatabaseWrapper) -> _Statements:
    qn = connection.ops.quote_name

    def table(model: type[Model]) -> str:
        return qn(model._meta.db_table)

    def column(model: type[Model], name: str) -> str:
        return qn(cast(str, _field(model, name).column))

    select: list[str] = []
    converters: list[tuple[int, Any, list[Converter]]] = []
    for alias, model in zip("amc", JOINED, strict=True):
        for field in model._meta.concrete_fields:
            expression = field.get_col(alias)
            # What the ORM's compiler applies to a column: the backend's, then the field's.
            found = connection.ops.get_db_converters(expression)
            found += expression.get_db_converters(connection)
            if found:
                converters.append((len(select), expression, found))
            select.append(f"{alias}.{qn(cast(str, field.column))}")
    a_pk, m_pk, c_pk = (qn(cast(str, _pk(m).column)) for m in JOINED)
    find = (
        f"SELECT {', '.join(select)} FROM {table(Action)} a"
        f" INNER JOIN {table(Message)} m ON m.{m_pk} = a.{column(Action, 'message')}"
        f" INNER JOIN {table(Conversation)} c ON c.{c_pk} = m.{column(Message, 'conversation')}"
        f" WHERE a.{column(Action, 'uuid')} = %s"
    )
    until, token = column(Action, "claimed_until"), column(Action, "claim_token")
    claim = (
        f"UPDATE {table(Action)} SET {until} = %s, {token} = %s"
        f" WHERE {a_pk} = %s AND {column(Action, 'removed_at')} IS NULL"
        f" AND {column(Action, 'disabled')} = %s AND ({until} IS NULL OR {until} <= %s)"
    )
    release = (
        f"UPDATE {table(Action)} SET {until} = NULL, {token} = NULL"
        f" WHERE {a_pk} = %s AND {token} = %s"
    )
    assignments = ", ".join(f"{column(ActionClick, name)} = %s" for name in OUTCOME_FIELDS)
    finish_click = (
        f"UPDATE {table(ActionClick)} SET {assignments}"
        f" WHERE {qn(cast(str, _pk(ActionClick).column))} = %s"
    )
    claim_and_record = release_and_record = None
    if connection.vendor == "postgresql":
        click = _insert_statement(connection, ActionClick)
        values = ", ".join(f"CAST(%s AS {f.cast_db_type(connection)})" for f in click.fields)
        claim_and_record = (
            f"WITH claimed AS ({claim} RETURNING {a_pk})"
            f" {click.into} SELECT {values} FROM claimed{click.returning}"
        )
        release_and_record = f"WITH released AS ({release}) {finish_click}"
    return _Statements(
        find=find,
        claim=claim,
        release=release,
        finish_click=finish_click,
        claim_and_record=claim_and_record,
        release_and_record=release_and_record,
        converters=converters,
    )


def find_action(action_id: uuid.UUID) -> Action | None:
    """The button by id, with its message and conversation: ``select_related`` in one query."""
    using = router.db_for_read(Action)
    connection = connections[using]
    sql = _statements(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql.find, [_prep(Action, "uuid", action_id, connection)])
        found = cursor.fetchone()
    if found is None:
        return None
    values = list(found)
    for index, expression, functions in sql.converters:
        for convert in functions:
            values[index] = convert(values[index], expression, connection)
    rows: list[Any] = []
    start = 0
    for model in JOINED:
        end = start + len(model._meta.concrete_fields)
        rows.append(model.from_db(using, [], values[start:end]))
        start = end
    action, message, conversation = rows
    message.conversation = conversation
    action.message = message
    return cast(Action, action)


def claim(
    row: Action, now: datetime, until: datetime, token: uuid.UUID, click: ActionClick
) -> bool:
    """Take the button's lease and save the click's audit row: both or neither.

    One conditional UPDATE takes the lease, so two workers cannot both win: the
    database checks the condition and writes the lease as one step. Whether the
    button was removed, disabled or busy is the caller's question, asked only
    when this returns false.
    """
    using = router.db_for_write(Action, instance=row)
    connection = connections[using]
    sql = _statements(connection)
    params = [
        _prep(Action, "claimed_until", until, connection),
        _prep(Action, "claim_token", token, connection),
        row.pk,
        False,
        _prep(Action, "claimed_until", now, connection),
    ]
    if sql.claim_and_record is None:
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute(sql.claim, params)
                won = bool(cursor.rowcount)
            if won:
                insert(click)
        return won
    pre_save.send(ActionClick, instance=click, raw=False, using=using, update_fields=None)
    with connection.cursor() as cursor:
        cursor.execute(sql.claim_and_record, params + _insert_params(click, connection))
        found = cursor.fetchone()
    if found is None:
        return False
    _inserted(click, found[0], using)
    return True


def release(row: Action, token: uuid.UUID, click: ActionClick) -> None:
    """Free the button and write the click's outcome, duration and error: both or neither.

    The token makes sure a worker whose lease ran out cannot free a later
    claim. The click is written as ``save(update_fields=...)`` would write it.
    """
    using = router.db_for_write(Action, instance=row)
    connection = connections[using]
    sql = _statements(connection)
    fields = frozenset(OUTCOME_FIELDS)
    pre_save.send(ActionClick, instance=click, raw=False, using=using, update_fields=fields)
    freed = [row.pk, _prep(Action, "claim_token", token, connection)]
    outcome = [*(getattr(click, name) for name in OUTCOME_FIELDS), click.pk]
    if sql.release_and_record is None:
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute(sql.release, freed)
            cursor.execute(sql.finish_click, outcome)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql.release_and_record, freed + outcome)
    post_save.send(
        ActionClick, instance=click, created=False, raw=False, using=using, update_fields=fields
    )


def insert(instance: _M) -> _M:
    """Save a new row, as ``Model.objects.create`` does, with the INSERT written once per model."""
    model = type(instance)
    using = router.db_for_write(model, instance=instance)
    connection = connections[using]
    if not connection.features.can_return_columns_from_insert:
        instance.save(force_insert=True, using=using)  # no RETURNING: let the ORM find the id
        return instance
    sql = _insert_statement(connection, model).sql
    pre_save.send(model, instance=instance, raw=False, using=using, update_fields=None)
    with connection.cursor() as cursor:
        cursor.execute(sql, _insert_params(instance, connection))
        pk = cursor.fetchone()[0]
    return _inserted(instance, pk, using)


def _insert_params(instance: Model, connection: BaseDatabaseWrapper) -> list[Any]:
    fields = _insert_statement(connection, type(instance)).fields
    return [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields]


def _inserted(instance: _M, pk: Any, using: str) -> _M:
    """Mark a row as saved with its new id, and tell ``post_save`` receivers."""
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = using
    post_save.send(
        type(instance), instance=instance, created=True, raw=False, using=using, update_fields=None
    )
    return instance


def _insert_statement(connection: BaseDatabaseWrapper, model: type[Model]) -> _Insert:
    key = (connection.alias, model)
    built = _inserts.get(key)
    if built is None:
        qn = connection.ops.quote_name
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        columns = ", ".join(qn(cast(str, f.column)) for f in fields)
        built = _inserts[key] = _Insert(
            into=f"INSERT INTO {qn(model._meta.db_table)} ({columns})",
            fields=fields,
            returning=f" RETURNING {qn(cast(str, _pk(model).column))}",
        )
    return built
