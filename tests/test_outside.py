"""Code outside a callback (views, tasks, any sync code) names the conversation."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket as tcp
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import django
import pytest
from asgiref.sync import sync_to_async
from django.db import transaction
from django.test import override_settings

import chatactions as ca
from chatactions import bridge
from chatactions.models import Approval, Conversation, Message

from .conftest import Chat, Socket
from .servers import free_port, redis_env

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


# From a plain thread (no event loop in it or above it: a task worker, a command),
# on the Redis layer: the rows are saved in that thread, the frames go through one
# event loop of this process (chatactions/bridge.py).


def redis_layer(url: str, prefix: str) -> dict[str, Any]:
    return {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [url], "prefix": prefix},
    }


@pytest.fixture
def on_redis() -> Iterator[None]:
    env = redis_env()
    layer = redis_layer(env["REDIS_URL"], env["CHANNELS_REDIS_PREFIX"])
    with override_settings(CHANNEL_LAYERS={"default": layer}):
        yield


async def joined(socket: Socket) -> None:
    """Past the consumer's join of its groups: a request's ack comes after it."""
    await socket.request({"type": "sync", "after": None})


def in_a_thread(work: Callable[[], Any]) -> Any:
    """``work`` in a new plain thread, as a task worker runs it; what it returned."""
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(work()))
    thread.start()
    thread.join(30)
    assert result, "the thread raised or hung"
    return result[0]


async def test_every_sync_twin_from_a_plain_thread_reaches_the_tab(
    on_redis: None, chat: Chat
) -> None:
    _, conversation, socket = chat
    await joined(socket)
    message = ca.Message("from a worker", actions=[ca.Action("a"), ca.Action("b")])
    message._conversation = str(conversation.uuid)

    def work() -> None:
        message.send_sync()
        message.actions[0].remove_sync()
        message.content = "edited"
        assert message.update_sync() is True
        message.remove_actions_sync()
        message.remove_sync()

    await asyncio.to_thread(in_a_thread, work)
    frames = [await socket.receive() for _ in range(5)]
    assert [f["type"] for f in frames] == [
        "message",
        "action.remove",
        "message.update",
        "action.remove",
        "message.remove",
    ]
    assert frames[0]["content"] == "from a worker" and frames[2]["content"] == "edited"
    assert [f["id"] for f in frames[1:4:2]] == [str(a.id) for a in message.actions]
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(seqs)


async def test_an_approval_sent_from_a_plain_thread_reaches_the_tab(
    on_redis: None, chat: Chat
) -> None:
    _, conversation, socket = chat
    await joined(socket)
    approval = ca.Approval("Delete it?", tool="t_delete", arguments={}, conversation=conversation)
    await asyncio.to_thread(in_a_thread, approval.send_sync)
    frame = await socket.receive()
    assert frame["type"] == "message" and frame["id"] == str(approval.message_id)
    assert await sync_to_async(Approval.objects.filter(uuid=approval.id).exists)()


async def test_inside_a_transaction_the_tab_hears_only_what_commits(
    on_redis: None, chat: Chat
) -> None:
    _, conversation, socket = chat
    await joined(socket)
    sent, checked = threading.Event(), threading.Event()

    def work() -> bool:
        with contextlib.suppress(RuntimeError), transaction.atomic():
            ca.Message("phantom", conversation=conversation).send_sync()
            assert Message.objects.filter(content="phantom").exists()  # in the transaction
            raise RuntimeError("the task failed: its transaction rolls back")
        with transaction.atomic():
            ca.Message("committed", conversation=conversation).send_sync()
            sent.set()
            checked.wait(10)  # the tab is checked while the transaction is still open
        return Message.objects.filter(content="phantom").exists()

    done = asyncio.ensure_future(asyncio.to_thread(in_a_thread, work))
    assert await asyncio.to_thread(sent.wait, 10)
    assert await socket.nothing_more()  # neither the rolled-back one nor the open one
    checked.set()
    assert await done is False  # no phantom row
    frame = await socket.receive()
    assert frame["content"] == "committed"
    assert await socket.nothing_more()


def test_with_redis_down_the_row_is_saved_and_the_call_returns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    conversation = Conversation.objects.create(visitor=str(uuid.uuid4()))
    layer = redis_layer(f"redis://127.0.0.1:{free_port()}/0", "down")  # nothing listens there
    with override_settings(CHANNEL_LAYERS={"default": layer}), caplog.at_level(logging.ERROR):
        message = in_a_thread(ca.Message("kept", conversation=conversation).send_sync)
    assert Message.objects.get(uuid=message.id).content == "kept"
    assert any("rows are saved" in r.getMessage() for r in caplog.records)


def test_a_layer_that_never_answers_is_waited_for_at_most_layer_send_timeout(
    caplog: pytest.LogCaptureFixture,
) -> None:
    conversation = Conversation.objects.create(visitor=str(uuid.uuid4()))
    with tcp.socket() as silent:  # accepts connections (the backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        layer = redis_layer(f"redis://127.0.0.1:{silent.getsockname()[1]}/0", "silent")
        with (
            override_settings(
                CHANNEL_LAYERS={"default": layer}, CHATACTIONS={"LAYER_SEND_TIMEOUT": 0.3}
            ),
            caplog.at_level(logging.ERROR),
        ):
            message = in_a_thread(ca.Message("kept", conversation=conversation).send_sync)
    assert Message.objects.get(uuid=message.id).content == "kept"
    assert any("took over 0.3 s" in r.getMessage() for r in caplog.records)


async def test_in_an_event_loop_the_sync_twins_refuse_as_async_to_sync_does(chat: Chat) -> None:
    _, conversation, _ = chat
    message = ca.Message("never", conversation=conversation)
    for call in (message.send_sync, message.update_sync, message.remove_sync):
        with pytest.raises(RuntimeError, match="cannot use AsyncToSync in the same thread"):
            call()
    assert not await sync_to_async(Message.objects.filter(content="never").exists)()


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
async def test_a_forked_worker_sends_through_a_loop_of_its_own(on_redis: None, chat: Chat) -> None:
    """A worker pool forks after the parent sent (its loop thread is not in the child)."""
    _, conversation, socket = chat
    await joined(socket)
    await asyncio.to_thread(in_a_thread, ca.Message("parent", conversation=conversation).send_sync)
    assert (await socket.receive())["content"] == "parent"
    chat_of_it = ca.Chat(conversation)  # no lookup in the child: its database is a copy

    def fork_and_send() -> int:
        pid = os.fork()
        if pid == 0:  # the child: send, then leave at once, as a pool's worker would
            code = 1
            try:
                ca.Message("child", conversation=chat_of_it).send_sync()
                code = 0
            finally:
                os._exit(code)
        return os.waitpid(pid, 0)[1]

    assert await asyncio.to_thread(in_a_thread, fork_and_send) == 0
    assert (await socket.receive())["content"] == "child"


async def test_a_stopped_loop_leaves_no_thread_and_the_next_call_starts_another(
    on_redis: None, chat: Chat
) -> None:
    """``bridge.stop`` is what runs at exit: its thread ends; a later call starts a new one."""
    _, conversation, socket = chat
    await joined(socket)
    for text in ("before", "after"):
        await asyncio.to_thread(in_a_thread, ca.Message(text, conversation=conversation).send_sync)
        assert (await socket.receive())["content"] == text
        await asyncio.to_thread(bridge.stop)
        assert not [t for t in threading.enumerate() if t.name == "chatactions-layer"]
