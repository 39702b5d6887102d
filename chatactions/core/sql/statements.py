"""The SQL of a click, compiled by Django once per database alias and reused.

RAW SQL, with ``inserts`` and ``sequence``: the only modules of chatactions that run SQL
themselves. Every click runs the same few statements: find the button with
its message and conversation, claim it and save its audit row, then release
it and write the click's outcome. Through the ORM each of them was compiled
anew on every click, and that cost more than the database did: it made
Django's query compiler the bottleneck of a busy process (docs/benchmarks.md).

So each statement is written as a queryset, compiled by Django's own compiler
on stand-in values the first time an alias needs it, and kept: quoting, joins
and lookups stay Django's. The stand-ins show where each call's values go;
those go in through the fields' ``get_db_prep_value`` and come out through
the converters the compiler names, as in the ORM. Only what the ORM cannot
say is written here by hand: on PostgreSQL, a data-modifying ``WITH`` that
claims and records (or releases and records) in one round trip.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CharField, Field, Model, Q, TextField
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from ...models import Action, ActionClick, RunningTask
from . import inserts
from .compiled import Compiled, compile_delete, compile_sql, compile_update, stand_in

logger = logging.getLogger(__name__)

#: What a release writes to the click's audit row.
OUTCOME_FIELDS = ("outcome", "duration_ms", "error")


@dataclass(frozen=True)
class _Statements:
    """The click's statements for one database alias."""

    find: Compiled
    #: [(model, the slice of its columns, their attnames)]: button, message, conversation.
    rows: list[tuple[type[Model], slice, list[str]]]
    converters: list[tuple[int, Any, list[Any]]]
    claim: Compiled
    release: Compiled
    finish_click: Compiled
    #: PostgreSQL only: the claim with its audit row, and the release with the
    #: click's outcome, each in one statement, so each is one round trip, not four.
    claim_and_record: str | None
    release_and_record: str | None
    #: A finished task's ``RunningTask`` row deleted, by token.
    finish_task: Compiled


_built: dict[str, _Statements] = {}


def _statements(connection: BaseDatabaseWrapper) -> _Statements:
    built = _built.get(connection.alias)
    if built is None:
        built = _built[connection.alias] = _build(connection)
    return built


def _build(connection: BaseDatabaseWrapper) -> _Statements:
    found = Action.objects.select_related("message__conversation").filter(
        uuid=stand_in("action_id")
    )
    compiler = found.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    find = compile_sql(sql, params, connection, "action_id")
    rows = []
    info: dict[str, Any] | None = compiler.klass_info
    while info is not None:  # the button, its message, their conversation
        columns = info["select_fields"]
        names = [compiler.select[i][0].target.attname for i in columns]
        rows.append((info["model"], slice(columns[0], columns[-1] + 1), names))
        info = (info["related_klass_infos"] or [None])[0]
    converters = [
        (index, expression, functions)
        for index, (functions, expression) in compiler.get_converters(
            [column for column, _, _ in compiler.select]
        ).items()
    ]
    lease = Q(claimed_until__isnull=True) | Q(claimed_until__lte=stand_in("now"))
    claimable = Action.objects.filter(
        lease, pk=stand_in("pk"), removed_at__isnull=True, disabled=False
    )
    claim = compile_update(
        claimable, connection, ["pk", "now"], claimed_until="until", claim_token="token"
    )
    held = Action.objects.filter(pk=stand_in("pk"), claim_token=stand_in("token"))
    release = compile_update(held, connection, ["pk", "token"], claimed_until="", claim_token="")
    finish_click = compile_update(
        ActionClick.objects.filter(pk=stand_in("click")),
        connection,
        ["click"],
        **{name: name for name in OUTCOME_FIELDS},
    )
    claim_and_record = release_and_record = None
    if connection.vendor == "postgresql":
        # What the ORM cannot say: the UPDATE's RETURNING feeds Django's own INSERT.
        insert = inserts.statement(connection, ActionClick)
        casts = ", ".join(f"CAST(%s AS {_cast_type(f, connection)})" for f in insert.fields)
        pk = connection.ops.quote_name(cast(str, Action._meta.pk.column))
        record = insert.sql.replace(insert.values, f" SELECT {casts} FROM claimed")
        claim_and_record = f"WITH claimed AS ({claim.sql} RETURNING {pk}) {record}"
        release_and_record = f"WITH released AS ({release.sql}) {finish_click.sql}"
    finish_task = compile_delete(
        RunningTask.objects.filter(token=stand_in("task")), connection, ["task"]
    )
    return _Statements(
        find,
        rows,
        converters,
        claim,
        release,
        finish_click,
        claim_and_record,
        release_and_record,
        finish_task,
    )


def _cast_type(field: Field[Any, Any], connection: BaseDatabaseWrapper) -> str:
    """The type a value is cast to in ``INSERT ... SELECT``: a NULL needs one.

    Text is cast without its length, so a value too long fails as the ORM's
    INSERT would, instead of being cut short by the cast.
    """
    if isinstance(field, CharField | TextField):
        return str(connection.ops.cast_char_field_without_max_length)
    return str(field.cast_db_type(connection))


def find_action(action_id: uuid.UUID) -> Action | None:
    """The button by id, whoever owns it, with its message and conversation, in one query.

    ``select_related("message__conversation")`` without compiling it: a click on
    a foreign button is looked up too, so its audit row can be written.
    """
    using = router.db_for_read(Action)
    connection = connections[using]
    sql = _statements(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql.find.sql, sql.find.params(connection, action_id=action_id))
        found = cursor.fetchone()
    if found is None:
        return None
    values = list(found)
    for index, expression, functions in sql.converters:
        for convert in functions:
            values[index] = convert(values[index], expression, connection)
    action, message, conversation = (
        cast(Any, model.from_db(using, names, values[columns]))
        for model, columns, names in sql.rows
    )
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
    lease = sql.claim.params(connection, pk=row.pk, now=now, until=until, token=token)
    record = None if sql.claim_and_record is None else inserts.params(click, connection)
    if sql.claim_and_record is None or record is None or pre_save.has_listeners(ActionClick):
        # pre_save must come before the row it announces, and only if it is saved.
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute(sql.claim.sql, lease)
                won = bool(cursor.rowcount)
            if won:
                inserts.insert(click)
        return won
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql.claim_and_record, lease + record)
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
    freed = sql.release.params(connection, pk=row.pk, token=token)
    outcome = sql.finish_click.params(
        connection, click=click.pk, **{name: getattr(click, name) for name in OUTCOME_FIELDS}
    )
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        if sql.release_and_record is None:
            with transaction.atomic(using=using):
                cursor.execute(sql.release.sql, freed)
                cursor.execute(sql.finish_click.sql, outcome)
        else:
            cursor.execute(sql.release_and_record, freed + outcome)
        written = cursor.rowcount
    if not written:  # save(update_fields=...) would raise; the callback has run, so say so
        logger.warning("chatactions: the audit row of click %s was gone at release", click.pk)
        return
    post_save.send(
        ActionClick, instance=click, created=False, raw=False, using=using, update_fields=fields
    )


def finish_task(token: uuid.UUID) -> None:
    """Delete a finished task's row: one compiled DELETE (the ORM's ``delete()`` collects
    first, which cost a click more than the statement; with delete receivers, the ORM)."""
    if pre_delete.has_listeners(RunningTask) or post_delete.has_listeners(RunningTask):
        RunningTask.objects.filter(token=token).delete()
        return
    using = router.db_for_write(RunningTask)
    connection = connections[using]
    sql = _statements(connection).finish_task
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql.sql, sql.params(connection, task=token))
