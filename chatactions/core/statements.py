"""The SQL of a click, written once per database alias and reused.

Every click runs the same few statements: find the button with its message and
conversation, claim it and save its audit row, then release it and write the
click's outcome. Through the ORM each of them was compiled anew on every click
(joins, lookups, the WHERE tree), and that compiling cost more than the
database did: it made Django's query compiler the bottleneck of a busy process
(docs/benchmarks.md). Here each statement is written once from the models' own
metadata (tables, columns, the connection's quoting); field values go in
through the fields' ``get_db_prep_value`` and come out through the converters
the ORM's compiler applies. Writes go where ``router.db_for_write`` sends the
model, as ``QuerySet.update()`` does. Everything off the hot path stays ORM.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CharField, Field, Model, TextField
from django.db.models.signals import post_save, pre_save

from ..models import Action, ActionClick, Conversation, Message
from . import inserts

logger = logging.getLogger(__name__)

Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]

#: The models of the lookup's join, in the order their columns are selected.
JOINED: tuple[type[Model], ...] = (Action, Message, Conversation)
#: What a release writes to the click's audit row.
OUTCOME_FIELDS = ("outcome", "duration_ms", "error")


@dataclass(frozen=True)
class _Statements:
    """The click's statements for one database alias (its vendor, its quoting)."""

    find: str
    claim: str
    release: str
    finish_click: str
    #: PostgreSQL only: the claim with its audit row, and the release with the
    #: click's outcome, each in one statement (a data-modifying ``WITH``), so each
    #: is one round trip instead of four (BEGIN, two statements, COMMIT).
    claim_and_record: str | None
    release_and_record: str | None
    #: (column index, expression, converters) for each selected column that needs them.
    converters: list[tuple[int, Any, list[Converter]]]


_built: dict[str, _Statements] = {}


def _statements(connection: BaseDatabaseWrapper) -> _Statements:
    built = _built.get(connection.alias)
    if built is None:
        built = _built[connection.alias] = _build(connection)
    return built


def _column(model: type[Model], name: str, connection: BaseDatabaseWrapper) -> str:
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    return connection.ops.quote_name(cast(str, cast("Field[Any, Any]", field).column))


def _build(connection: BaseDatabaseWrapper) -> _Statements:
    qn = connection.ops.quote_name

    def table(model: type[Model]) -> str:
        return qn(model._meta.db_table)

    def column(model: type[Model], name: str) -> str:
        return _column(model, name, connection)

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
    find = (
        f"SELECT {', '.join(select)} FROM {table(Action)} a"
        f" INNER JOIN {table(Message)} m"
        f" ON m.{column(Message, 'pk')} = a.{column(Action, 'message')}"
        f" INNER JOIN {table(Conversation)} c"
        f" ON c.{column(Conversation, 'pk')} = m.{column(Message, 'conversation')}"
        f" WHERE a.{column(Action, 'uuid')} = %s"
    )
    a_pk = column(Action, "pk")
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
        f"UPDATE {table(ActionClick)} SET {assignments} WHERE {column(ActionClick, 'pk')} = %s"
    )
    claim_and_record = release_and_record = None
    if connection.vendor == "postgresql":
        click = inserts.statement(connection, ActionClick)
        values = ", ".join(f"CAST(%s AS {_cast_type(f, connection)})" for f in click.fields)
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


def _cast_type(field: Field[Any, Any], connection: BaseDatabaseWrapper) -> str:
    """The type a value is cast to in ``INSERT ... SELECT``: a NULL needs one.

    Text is cast without its length, so a value too long fails as the ORM's
    INSERT would, instead of being cut short by the cast.
    """
    if isinstance(field, CharField | TextField):
        return str(connection.ops.cast_char_field_without_max_length)
    return str(field.cast_db_type(connection))


def _prep(model: type[Model], name: str, value: Any, connection: BaseDatabaseWrapper) -> Any:
    """A value as the ORM would send it for that field (a UUID is its hex on SQLite)."""
    field = cast("Field[Any, Any]", model._meta.get_field(name))
    return field.get_db_prep_value(value, connection)


def find_action(action_id: uuid.UUID) -> Action | None:
    """The button by id, whoever owns it, with its message and conversation, in one query.

    ``select_related("message__conversation")`` without compiling it: a click on
    a foreign button is looked up too, so its audit row can be written.
    """
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
    when this returns false; a lost claim saves no row and sends no signal.
    """
    using = router.db_for_write(Action)
    connection = connections[using]
    sql = _statements(connection)
    lease = [
        _prep(Action, "claimed_until", until, connection),
        _prep(Action, "claim_token", token, connection),
        row.pk,
        False,
        _prep(Action, "claimed_until", now, connection),
    ]
    if sql.claim_and_record is None or pre_save.has_listeners(ActionClick):
        # pre_save must come before the row it announces, and only if it is saved.
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute(sql.claim, lease)
                won = bool(cursor.rowcount)
            if won:
                inserts.insert(click)
        return won
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql.claim_and_record, lease + inserts.params(click, connection))
        found = cursor.fetchone()
    if found is None:
        return False
    inserts.inserted(click, found[0], using)
    return True


def release(row: Action, token: uuid.UUID, click: ActionClick) -> None:
    """Free the button and write the click's outcome, duration and error: both or neither.

    The token makes sure a worker whose lease ran out cannot free a later
    claim. The click is written as ``save(update_fields=...)`` would write it.
    """
    using = router.db_for_write(Action)
    connection = connections[using]
    sql = _statements(connection)
    fields = frozenset(OUTCOME_FIELDS)
    pre_save.send(ActionClick, instance=click, raw=False, using=using, update_fields=fields)
    freed = [row.pk, _prep(Action, "claim_token", token, connection)]
    outcome = [_prep(ActionClick, f, getattr(click, f), connection) for f in OUTCOME_FIELDS]
    outcome.append(click.pk)
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        if sql.release_and_record is None:
            with transaction.atomic(using=using):
                cursor.execute(sql.release, freed)
                cursor.execute(sql.finish_click, outcome)
        else:
            cursor.execute(sql.release_and_record, freed + outcome)
        written = cursor.rowcount
    if not written:  # save(update_fields=...) would raise; the callback has run, so say so
        logger.warning("chatactions: the audit row of click %s was gone at release", click.pk)
        return
    post_save.send(
        ActionClick, instance=click, created=False, raw=False, using=using, update_fields=fields
    )
