"""Code outside a callback (views, tasks, any sync code) names the conversation."""

from __future__ import annotations

import django
import pytest
from asgiref.sync import sync_to_async

import chatactions as ca

from .conftest import Chat

pytestmark = pytest.mark.django_db(transaction=True)


def announce(conversation_id: str, text: str) -> str:
    """What a view or a background job writes: plain sync code."""
    message = ca.Message(text, actions=[ca.Action("ack", "OK")], conversation=conversation_id)
    message.send_sync()
    return str(message.id)


async def test_sync_code_in_a_thread_reaches_open_tabs_live(chat: Chat) -> None:
    _, conversation, socket = chat
    message_id = await sync_to_async(announce)(str(conversation.uuid), "Your export is ready")
    frame = await socket.receive()
    assert frame["id"] == message_id and frame["content"] == "Your export is ready"


if django.VERSION >= (6, 0):
    from django.tasks import task

    announce_task = task(announce)

    async def test_a_django_task_sends_to_the_named_conversation(chat: Chat) -> None:
        _, conversation, socket = chat
        result = await sync_to_async(announce_task.enqueue)(str(conversation.uuid), "From a task")
        frame = await socket.receive()
        assert frame["content"] == "From a task" and frame["id"] == result.return_value
