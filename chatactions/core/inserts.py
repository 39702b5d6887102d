"""Saving a new row as ``Model.objects.create`` does, without compiling its INSERT each time.

Every click saves an audit row and usually a reply; through the ORM each
INSERT was compiled anew, which cost more than the database took to run it
(docs/benchmarks.md). Here the statement of each model is written once per
database alias, and values go in through each field's own ``pre_save`` and
``get_db_prep_save``, so the database receives what the ORM would send.
``pre_save`` and ``post_save`` are sent as ``save()`` sends them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.signals import post_save, pre_save

_M = TypeVar("_M", bound=Model)


@dataclass(frozen=True)
class Insert:
    """``INSERT INTO table (columns) VALUES (...) RETURNING id`` of one model, on one alias."""

    into: str  # INSERT INTO table (columns)
    fields: list[Field[Any, Any]]
    returning: str  # " RETURNING id"
    sql: str


_built: dict[tuple[str, type[Model]], Insert] = {}


def statement(connection: BaseDatabaseWrapper, model: type[Model]) -> Insert:
    key = (connection.alias, model)
    built = _built.get(key)
    if built is None:
        qn = connection.ops.quote_name
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        pk = model._meta.pk
        assert pk is not None
        into = f"INSERT INTO {qn(model._meta.db_table)} "
        into += f"({', '.join(qn(cast(str, f.column)) for f in fields)})"
        returning = f" RETURNING {qn(cast(str, pk.column))}"
        values = ", ".join(["%s"] * len(fields))
        built = _built[key] = Insert(
            into, fields, returning, f"{into} VALUES ({values}){returning}"
        )
    return built


def params(instance: Model, connection: BaseDatabaseWrapper) -> list[Any]:
    """The row's values as the ORM would send them (a UUID is its hex on SQLite...)."""
    fields = statement(connection, type(instance)).fields
    return [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields]


def insert(instance: _M) -> _M:
    """Save a new row and give it its id, as ``Model.objects.create`` does."""
    model = type(instance)
    using = router.db_for_write(model)
    connection = connections[using]
    if not connection.features.can_return_columns_from_insert:
        instance.save(force_insert=True, using=using)  # no RETURNING: let the ORM find the id
        return instance
    pre_save.send(model, instance=instance, raw=False, using=using, update_fields=None)
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(statement(connection, model).sql, params(instance, connection))
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
