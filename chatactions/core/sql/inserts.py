"""Saving a new row as ``Model.objects.create`` does, without compiling its INSERT each time.

RAW SQL, with ``statements`` and ``sequence``: the only modules of chatactions that run
SQL themselves. Every click saves an audit row and usually a reply; through
the ORM each INSERT was compiled anew, which cost more than the database took
to run it (docs/benchmarks.md). Here Django's own ``SQLInsertCompiler``
compiles the statement once per model and database alias, so the quoting,
columns and ``RETURNING`` are Django's; each call's values go in through
each field's own ``pre_save`` and ``get_db_prep_save``, as the compiler's
would. A value that is an expression (a ``db_default``, say), or a database
that cannot return the new id, goes through ``save()`` itself instead.
``pre_save`` and ``post_save`` are sent as ``save()`` sends them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery

_M = TypeVar("_M", bound=Model)


@dataclass(frozen=True)
class Insert:
    """One model's ``INSERT ... VALUES (%s, ...) RETURNING id`` on one alias, by Django."""

    sql: str
    fields: list[Field[Any, Any]]
    values: str  # " VALUES (%s, ...)": where ``statements`` puts a SELECT instead


_built: dict[tuple[str, type[Model]], Insert] = {}


def statement(connection: BaseDatabaseWrapper, model: type[Model]) -> Insert:
    """The model's INSERT for this alias, compiled by Django the first time it is asked for."""
    key = (connection.alias, model)
    built = _built.get(key)
    if built is None:
        opts = model._meta
        # The fields save() inserts for a new row: every local concrete one but the auto pk.
        fields: list[Field[Any, Any]] = [
            f for f in opts.local_concrete_fields if not f.primary_key
        ]
        query = InsertQuery(model)
        query.insert_values(fields, [model()])
        compiler = query.get_compiler(connection=connection)
        compiler.returning_fields = [opts.pk]
        ((sql, _),) = compiler.as_sql()
        values = f" VALUES ({', '.join(['%s'] * len(fields))})"
        assert values in sql, sql  # every placeholder a plain %s: no field needs its own
        built = _built[key] = Insert(sql, fields, values)
    return built


def params(instance: Model, connection: BaseDatabaseWrapper) -> list[Any] | None:
    """The row's values as the compiler would send them; ``None`` if one needs the ORM."""
    values = []
    for field in statement(connection, type(instance)).fields:
        value = field.pre_save(instance, add=True)
        if hasattr(value, "resolve_expression"):
            return None  # an expression (DatabaseDefault, F(), Now()) is compiled, not sent
        values.append(field.get_db_prep_save(value, connection))
    return values


def insert(instance: _M) -> _M:
    """Save a new row and give it its id, as ``Model.objects.create`` does."""
    model = type(instance)
    using = router.db_for_write(model)
    connection = connections[using]
    values = params(instance, connection)
    if values is None or not connection.features.can_return_columns_from_insert:
        instance.save(force_insert=True, using=using)
        return instance
    pre_save.send(model, instance=instance, raw=False, using=using, update_fields=None)
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(statement(connection, model).sql, values)
        pk = cursor.fetchone()[0]
    return inserted(instance, pk, using)


def inserted(instance: _M, pk: Any, using: str) -> _M:
    """Mark a row as saved with its new id, and tell ``post_save`` receivers."""
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = using
    post_save.send(
        type(instance), instance=instance, created=True, raw=False, using=using, update_fields=None
    )
    return instance
