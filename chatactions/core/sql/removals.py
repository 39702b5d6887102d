"""Removing one button (a callback's ``action.remove()``), in statements compiled once.

RAW SQL (see ``chatactions.core.sql``). The demo's callbacks each remove the
button just clicked, so a click of the demo as shipped ran three more ORM
statements than a click whose button stays, each compiled anew: 15% of the
daphne's samples (``bench/profile_click.py``). The same three, compiled by
Django on stand-ins once per alias as the click's are (``statements``):

- ``live``: the button's message, if the button is live in this conversation;
- ``place``: that message's new position, so a ``sync`` resends it without it;
- ``mark``: the button marked removed, unless a concurrent removal won.

``core.messages`` runs them in its own transaction, with the position taken
in between, as it runs the ORM's for several buttons at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from ...models import Action, Message
from .compiled import Compiled, compile_sql, compile_update, stand_in


@dataclass(frozen=True)
class _Removal:
    live: Compiled
    place: Compiled
    mark: Compiled


_built: dict[str, _Removal] = {}


def _build(connection: BaseDatabaseWrapper) -> _Removal:
    live = Action.objects.filter(
        message__conversation_id=stand_in("conversation"),
        removed_at__isnull=True,
        uuid=stand_in("action_id"),
    ).values_list("message_id")
    sql, params = live.query.get_compiler(connection=connection).as_sql()
    place = compile_update(
        Message.objects.filter(pk=stand_in("message")), connection, ["message"], seq="seq"
    )
    mark = compile_update(
        Action.objects.filter(uuid=stand_in("action_id"), removed_at__isnull=True),
        connection,
        ["action_id"],
        removed_at="removed_at",
    )
    return _Removal(compile_sql(sql, params, connection, "conversation", "action_id"), place, mark)


def _removal() -> tuple[BaseDatabaseWrapper, _Removal]:
    using = router.db_for_write(Action)
    connection = connections[using]
    built = _built.get(using)
    if built is None:
        built = _built[using] = _build(connection)
    return connection, built


def live_message(conversation_pk: int, action_id: uuid.UUID) -> int | None:
    """The pk of the button's message if the button is live in that conversation."""
    connection, built = _removal()
    params = built.live.params(connection, conversation=conversation_pk, action_id=action_id)
    with connection.cursor() as cursor:
        cursor.execute(built.live.sql, params)
        found = cursor.fetchone()
    return None if found is None else int(found[0])


def mark(message_pk: int, seq: int, action_id: uuid.UUID, now: datetime) -> None:
    """Give the message its new position and mark the button removed (if still live)."""
    connection, built = _removal()
    place = built.place.params(connection, message=message_pk, seq=seq)
    gone = built.mark.params(connection, action_id=action_id, removed_at=now)
    with transaction.mark_for_rollback_on_error(connection.alias), connection.cursor() as cursor:
        cursor.execute(built.place.sql, place)
        cursor.execute(built.mark.sql, gone)
