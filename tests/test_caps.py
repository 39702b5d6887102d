"""Caps on open sockets: beyond them a socket is refused with 4429, and a lease frees a place."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.cache import cache
from pytest_django.fixtures import Settings

from chatactions import caps
from chatactions.conf import DEFAULTS

from .conftest import Chat, Socket, Visitor
from .rows import asnapshot

pytestmark = pytest.mark.django_db(transaction=True)

TOO_MANY = {"type": "websocket.close", "code": 4429}


async def opened(socket: Socket) -> dict[str, Any] | None:
    """``None`` for a socket that stays open (its sync is answered), else how it closed."""
    await socket.connect()
    await socket.send({"type": "sync", "after": None, "ref": "s"})
    output: dict[str, Any] = await socket.comm.receive_output(5)
    if output["type"] == "websocket.close":
        return output
    return None


def test_default_caps_are_20_per_conversation_and_50_per_requester() -> None:
    assert DEFAULTS["MAX_SOCKETS_PER_CONVERSATION"] == 20
    assert DEFAULTS["MAX_SOCKETS_PER_REQUESTER"] == 50


async def test_300_sockets_on_one_conversation_are_refused_beyond_the_cap(chat: Chat) -> None:
    visitor, conversation, _ = chat  # the chat's own socket holds one place
    before = await asnapshot()
    sockets = [visitor.socket(conversation) for _ in range(299)]
    answers = [await opened(socket) for socket in sockets]
    assert answers.count(None) == DEFAULTS["MAX_SOCKETS_PER_CONVERSATION"] - 1
    assert answers.count(TOO_MANY) == 299 - answers.count(None)
    assert answers[:19] == [None] * 19  # first come, first served
    assert await asnapshot() == before
    # Closing one frees its place for the next.
    await sockets[0].close()
    again = visitor.socket(conversation)
    assert await opened(again) is None
    for socket in [again, *sockets[1:19]]:
        await socket.close()


async def test_sockets_of_one_requester_are_capped_over_all_their_conversations(
    visitor: Visitor, settings: Settings
) -> None:
    settings.CHATACTIONS = {"MAX_SOCKETS_PER_REQUESTER": 3}
    one, two = await sync_to_async(visitor.start)(), await sync_to_async(visitor.start)()
    sockets = [visitor.socket(c) for c in (one, two, one, two)]
    answers = [await opened(socket) for socket in sockets]
    assert answers == [None, None, None, TOO_MANY]
    stranger = Visitor()  # another requester's sockets count on their own
    theirs = stranger.socket(await sync_to_async(stranger.start)())
    assert await opened(theirs) is None
    for socket in [*sockets[:3], theirs]:
        await socket.close()


async def test_zero_turns_a_cap_off(visitor: Visitor, settings: Settings) -> None:
    settings.CHATACTIONS = {"MAX_SOCKETS_PER_CONVERSATION": 0, "MAX_SOCKETS_PER_REQUESTER": 0}
    conversation = await sync_to_async(visitor.start)()
    sockets = [visitor.socket(conversation) for _ in range(25)]
    assert [await opened(s) for s in sockets] == [None] * 25
    for socket in sockets:
        await socket.close()


async def test_places_left_by_a_crashed_process_lapse_with_their_lease(
    visitor: Visitor, settings: Settings
) -> None:
    settings.CHATACTIONS = {"MAX_SOCKETS_PER_CONVERSATION": 2, "SOCKET_CHECK_INTERVAL": 0.3}
    conversation = await sync_to_async(visitor.start)()
    # Two sockets of a process that died: their places were taken and never given back.
    assert caps.take(conversation.uuid, "elsewhere-1") is not None
    assert caps.take(conversation.uuid, "elsewhere-2") is not None
    assert await opened(visitor.socket(conversation)) == TOO_MANY
    await asyncio.sleep(caps.lease_seconds() + 0.2)
    socket = visitor.socket(conversation)
    assert await opened(socket) is None
    await socket.close()


async def test_an_open_socket_renews_its_place_for_as_long_as_it_is_open(
    visitor: Visitor, settings: Settings
) -> None:
    settings.CHATACTIONS = {"MAX_SOCKETS_PER_CONVERSATION": 1, "SOCKET_CHECK_INTERVAL": 0.3}
    conversation = await sync_to_async(visitor.start)()
    first = visitor.socket(conversation)
    assert await opened(first) is None
    await asyncio.sleep(caps.lease_seconds() + 0.5)  # longer than one lease
    assert await opened(visitor.socket(conversation)) == TOO_MANY
    await first.close()
    second = visitor.socket(conversation)
    assert await opened(second) is None
    await second.close()


def test_a_lapsed_place_taken_by_another_socket_is_not_given_back_by_the_first(
    settings: Settings,
) -> None:
    settings.CHATACTIONS = {"MAX_SOCKETS_PER_CONVERSATION": 1}
    first = caps.Places()
    assert first.take("conversation:x", 1)
    cache.delete_many(first.keys)  # its lease lapsed
    second = caps.Places()
    assert second.take("conversation:x", 1)
    first.release()
    assert not caps.Places().take("conversation:x", 1)  # still the second's


def test_a_place_that_lapsed_is_taken_again_at_renewal(settings: Settings) -> None:
    settings.CHATACTIONS = {"MAX_SOCKETS_PER_CONVERSATION": 1}
    places = caps.Places()
    assert places.take("conversation:y", 1)
    cache.delete_many(places.keys)  # the event loop stalled past the lease
    places.renew()
    assert not caps.Places().take("conversation:y", 1)
