"""Streamed messages, the task indicator and Stop, frame by frame through the real ASGI app."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone
from pytest_django.fixtures import Settings

import chatactions as ca
from chatactions.models import Action, ActionClick, Conversation, Message, RunningTask
from chatactions.registry import default_registry

from .conftest import Callbacks, Socket, Visitor, offer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def quick(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Short intervals, so a test sees batches and saves within a fraction of a second."""
    settings.CHATACTIONS = {
        **settings.CHATACTIONS,
        "STREAM_COALESCE": 0.02,
        "STREAM_SAVE_INTERVAL": 0.1,
        "STREAM_LEASE": 1.0,
    }
    monkeypatch.setenv("DEMO_STORY_PAUSE", "0.005")


class Tab:
    """What chat.js does with a message's frames, in Python: the text a user reads."""

    def __init__(self) -> None:
        self.text: dict[str, str] = {}
        self.final: dict[str, dict[str, Any]] = {}
        self.ahead: dict[str, list[tuple[int, str]]] = {}
        self.gaps: set[str] = set()
        self.working: set[str] = set()

    def see(self, frame: dict[str, Any]) -> None:
        kind, key = frame["type"], frame.get("id", "")
        if kind in ("message", "message.update") and frame["stream"] == "streaming":
            if len(frame["content"]) >= len(self.text.get(key, "")):
                self.text[key] = frame["content"]  # the longer copy is the newer one
            self.drain(key)
        elif kind in ("message", "message.update"):
            self.final[key] = frame
            self.text[key] = frame["content"]
        elif kind == "message.stream" and key not in self.final:
            self.ahead.setdefault(key, []).append((frame["at"], frame["delta"]))
            self.drain(key)
        elif kind == "task.start":
            self.working.add(key)
        elif kind == "task.end":
            self.working.discard(key)

    def drain(self, key: str) -> None:
        have = self.text.get(key)
        pending = self.ahead.get(key, [])
        progress = True
        while have is not None and progress:
            progress = False
            for at, delta in list(pending):
                if at <= len(have):
                    have += delta[len(have) - at :]
                    pending.remove((at, delta))
                    progress = True
        if have is not None:
            self.text[key] = have
        if pending:
            self.gaps.add(key)
        else:
            self.gaps.discard(key)


async def read_until(
    socket: Socket, tab: Tab, done: Any, timeout: float = 5
) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    while not done(frames):
        frame = await socket.receive(timeout)
        tab.see(frame)
        frames.append(frame)
    return frames


def ended(frames: list[dict[str, Any]]) -> bool:
    return any(f["type"] == "task.end" for f in frames)


async def start(visitor: Visitor, tasks: bool = True) -> tuple[Any, Socket]:
    conversation = await sync_to_async(visitor.start)()
    socket = visitor.socket(conversation, tasks=tasks)
    await socket.connect()
    return conversation, socket


def row(message_id: str) -> Message:
    return Message.objects.get(uuid=message_id)


async def test_a_story_streams_in_batches_then_ends_as_markdown(visitor: Visitor) -> None:
    from project.bot.story import STORY

    _, socket = await start(visitor)
    tab = Tab()
    await socket.send({"type": "message", "content": "tell me a story"})
    frames = await read_until(socket, tab, ended)
    kinds = [f["type"] for f in frames]
    assert kinds[:3] == ["message", "task.start", "message"]  # the echo, working, the reply
    reply = frames[2]
    assert reply["stream"] == "streaming" and reply["lease"] == 1.0
    deltas = [f for f in frames if f["type"] == "message.stream"]
    assert reply["content"] + "".join(f["delta"] for f in deltas) == STORY
    assert [f["at"] for f in deltas] == [
        len(reply["content"]) + sum(len(d["delta"]) for d in deltas[:i])
        for i in range(len(deltas))
    ]
    words = len(STORY.split(" "))
    assert 1 < len(deltas) < words  # coalesced: fewer frames than tokens
    final = next(f for f in frames if f["type"] == "message.update")
    assert final["id"] == reply["id"] and final["stream"] == ""
    assert "<strong>small town</strong>" in final["html"]
    assert kinds[-1] == "task.end" and frames[-1]["status"] == "ok"
    saved = await sync_to_async(row)(reply["id"])
    assert saved.content == STORY and saved.stream == ""
    assert tab.text[reply["id"]] == saved.content


def position(conversation: Any) -> int:
    return int(Conversation.objects.values_list("seq", flat=True).get(pk=conversation.pk))


async def test_a_streams_start_and_end_take_positions_and_its_deltas_none(
    visitor: Visitor,
) -> None:
    """The sequence's rule for streams: a tab syncing after the end gets the ended message."""
    conversation, socket = await start(visitor)
    tab = Tab()
    await socket.send({"type": "message", "content": "tell me a story"})
    frames = await read_until(socket, tab, ended)
    echo, reply = frames[0], frames[2]
    final = next(f for f in frames if f["type"] == "message.update")
    assert reply["seq"] == echo["seq"] + 1 and final["seq"] == reply["seq"] + 1
    assert final["seq"] == await sync_to_async(position)(conversation)
    deltas = [f for f in frames if f["type"] == "message.stream"]
    assert deltas and not [f for f in deltas if "seq" in f]
    assert not [f for f in frames if f["type"].startswith("task.") and "seq" in f]
    missed, ack = await socket.request({"type": "sync", "since": echo["seq"]})
    assert ack["seq"] == final["seq"] and ack["has_more"] is False
    (resent,) = [f for f in missed if f["type"] == "message"]
    assert resent["id"] == reply["id"] and resent["seq"] == final["seq"]
    assert resent["stream"] == "" and resent["content"] == tab.text[reply["id"]]


async def test_a_lapsed_stream_takes_a_position_when_a_sync_since_notices_it(
    visitor: Visitor,
) -> None:
    conversation, socket = await start(visitor)
    before = await sync_to_async(position)(conversation)
    message = await sync_to_async(dead_stream)(conversation)
    frames, ack = await socket.request({"type": "sync", "since": before})
    interrupted = [f for f in frames if f["id"] == str(message.uuid)]
    assert interrupted and all(f["stream"] == "interrupted" for f in interrupted)
    assert {f["seq"] for f in interrupted} == {before + 1} and ack["seq"] == before + 1
    assert not [f for f in frames if f["type"] == "task.start"]
    saved = await sync_to_async(row)(str(message.uuid))
    assert saved.seq == before + 1 and saved.stream == "interrupted"


async def test_while_streaming_the_text_is_drawn_escaped(
    visitor: Visitor, callbacks: Callbacks
) -> None:
    conversation, socket = await start(visitor, tasks=False)
    gate = asyncio.Event()

    @callbacks("tell")
    async def tell(action: Any) -> None:
        message = ca.Message("")
        await message.stream_token("<b>bold</b> **and** ")
        await gate.wait()
        await message.stream_token("more")
        await message.send()

    action_id = await offer(socket, conversation, "tell")
    await socket.send({"type": "action", "id": action_id})
    first = await socket.receive()
    assert first["stream"] == "streaming"
    assert "&lt;b&gt;bold&lt;/b&gt;" in first["html"] and "<b>" not in first["html"]
    assert first["content"] == "<b>bold</b> **and** "  # the first token is in the row
    page = await sync_to_async(visitor.client.get)(f"/chat/{conversation.uuid}/")
    assert b'data-stream="streaming"' in page.content
    gate.set()
    frames, ack = await socket.until_ack("r1")
    final = frames[-1]
    assert final["type"] == "message.update" and "<strong>and</strong>" in final["html"]
    assert "<b>" not in final["html"]  # the sanitiser drops raw HTML at the end, too
    assert ack["status"] == "ok"


async def test_send_first_then_stream_then_update(visitor: Visitor, callbacks: Callbacks) -> None:
    conversation, socket = await start(visitor, tasks=False)

    @callbacks("tell")
    async def tell(action: Any) -> None:
        message = await ca.Message("Thinking: ").send()
        for token in ["one ", "two ", "three"]:
            await message.stream_token(token)
        message.actions = [ca.Action("again", label="Again")]
        await message.update()

    action_id = await offer(socket, conversation, "tell")
    frames, ack = await socket.request({"type": "action", "id": action_id})
    sent, streaming = frames[0], frames[1]
    assert sent["type"] == "message" and sent["stream"] == "" and sent["content"] == "Thinking: "
    assert streaming["type"] == "message.update" and streaming["stream"] == "streaming"
    deltas = [f for f in frames if f["type"] == "message.stream"]
    assert deltas[0]["at"] == len("Thinking: ")
    final = frames[-1]
    assert final["content"] == "Thinking: one two three" and final["stream"] == ""
    assert [a["label"] for a in final["actions"]] == ["Again"]
    assert ack["status"] == "ok"


async def test_offsets_count_what_javascript_counts(
    visitor: Visitor, callbacks: Callbacks
) -> None:
    conversation, socket = await start(visitor, tasks=False)
    settings_off = {"STREAM_COALESCE": 0}

    @callbacks("tell")
    async def tell(action: Any) -> None:
        message = ca.Message("")
        for token in ["🙂", "é", "x"]:
            await message.stream_token(token)
        await message.send()

    from django.conf import settings
    from django.test import override_settings

    with override_settings(CHATACTIONS={**settings.CHATACTIONS, **settings_off}):
        action_id = await offer(socket, conversation, "tell")
        frames, _ = await socket.request({"type": "action", "id": action_id})
    deltas = [(f["at"], f["delta"]) for f in frames if f["type"] == "message.stream"]
    first = next(f for f in frames if f["type"] == "message")
    assert first["content"] == "🙂"
    assert deltas == [(2, "é"), (3, "x")]  # an emoji is two UTF-16 units


async def test_the_row_exists_from_the_first_token_and_saves_as_it_grows(
    visitor: Visitor, callbacks: Callbacks
) -> None:
    conversation, socket = await start(visitor, tasks=False)
    gate = asyncio.Event()

    @callbacks("tell")
    async def tell(action: Any) -> None:
        message = ca.Message("")
        await message.stream_token("Hello")
        await asyncio.sleep(0.3)  # three save intervals
        await message.stream_token(", world")
        await gate.wait()
        await message.send()

    action_id = await offer(socket, conversation, "tell")
    await socket.send({"type": "action", "id": action_id})
    first = await socket.receive()
    assert (await sync_to_async(row)(first["id"])).stream == "streaming"
    await asyncio.sleep(0.6)
    saved = await sync_to_async(row)(first["id"])
    assert saved.content == "Hello, world" and saved.stream == "streaming"
    assert saved.content_html == ""
    gate.set()
    await socket.until_ack("r1")
    assert (await sync_to_async(row)(first["id"])).content_html.startswith("<p>Hello, world")


async def test_a_second_tab_joining_mid_stream_asks_for_the_text_and_misses_nothing(
    visitor: Visitor,
) -> None:
    conversation, first = await start(visitor)
    await first.send({"type": "message", "content": "tell me a story"})
    tab1 = Tab()
    await read_until(first, tab1, lambda fs: sum(f["type"] == "message.stream" for f in fs) > 5)
    second = visitor.socket(conversation, tasks=True)
    await second.connect()
    tab2 = Tab()
    frames, _ = await second.request({"type": "sync", "after": None})
    for frame in frames:
        tab2.see(frame)
    assert tab2.working, "a tab connecting meanwhile learns the bot is working"
    reply_id = next(k for k, v in tab2.text.items() if k not in tab2.final)
    # Read on; whenever this tab sees a gap, it asks for the message again, as chat.js does.
    while reply_id not in tab2.final:
        frame = await second.receive(5)
        tab2.see(frame)
        if reply_id in tab2.gaps:
            refetch, _ = await second.request({"type": "fetch", "id": reply_id})
            for again in refetch:
                tab2.see(again)
    await read_until(first, tab1, ended)
    saved = await sync_to_async(row)(reply_id)
    assert tab2.text[reply_id] == tab1.text[reply_id] == saved.content
    await second.close()


async def test_a_reconnecting_tab_gets_the_text_so_far_from_a_sync(visitor: Visitor) -> None:
    conversation, first = await start(visitor, tasks=False)
    await first.send({"type": "message", "content": "tell me a story"})
    echo = await first.receive()
    reply = await first.receive()
    await asyncio.sleep(0.3)
    await first.close()  # the tab drops
    again = visitor.socket(conversation)
    await again.connect()
    frames, _ = await again.request({"type": "sync", "after": echo["id"]})
    resumed = next(f for f in frames if f["type"] == "message" and f["id"] == reply["id"])
    assert resumed["stream"] == "streaming" and resumed["content"]
    saved = await sync_to_async(row)(reply["id"])
    assert saved.content.startswith(resumed["content"])


async def test_fetch_of_a_message_not_in_the_chat_is_not_found(visitor: Visitor) -> None:
    _, socket = await start(visitor, tasks=False)
    stranger = Visitor()
    other = await sync_to_async(stranger.start)()
    theirs = await sync_to_async(Message.objects.filter(conversation=other).first)()
    assert theirs is not None
    _, ack = await socket.request({"type": "fetch", "id": str(theirs.uuid)})
    assert ack["status"] == "not_found"
    _, ack = await socket.request({"type": "fetch", "id": "nope"})
    assert ack["status"] == "invalid"


# A worker that died mid-stream ---------------------------------------------------------


def dead_stream(conversation: Any) -> Message:
    """What a SIGKILLed worker leaves: a streaming row and a task whose leases lapsed."""
    lapsed = timezone.now() - timedelta(seconds=5)
    RunningTask.objects.create(conversation=conversation, until=lapsed)
    return Message.objects.create(
        conversation=conversation,
        author="Assistant",
        content="Half a sen",
        stream="streaming",
        streaming_until=lapsed,
    )


async def test_a_lapsed_stream_is_marked_interrupted_by_the_next_reader(visitor: Visitor) -> None:
    conversation, socket = await start(visitor)
    message = await sync_to_async(dead_stream)(conversation)
    frames, _ = await socket.request({"type": "sync", "after": None})
    update = next(f for f in frames if f["type"] == "message.update")
    assert update["id"] == str(message.uuid) and update["stream"] == "interrupted"
    assert "Interrupted" in update["html"] and "Half a sen" in update["html"]
    assert not [f for f in frames if f["type"] == "task.start"]  # a dead task is not working
    saved = await sync_to_async(row)(str(message.uuid))
    assert saved.stream == "interrupted" and saved.content == "Half a sen"
    page = await sync_to_async(visitor.client.get)(f"/chat/{conversation.uuid}/")
    assert b"Interrupted" in page.content and b"data-working hidden" in page.content


async def test_the_page_notices_a_lapsed_stream_too(visitor: Visitor) -> None:
    conversation = await sync_to_async(visitor.start)()
    message = await sync_to_async(dead_stream)(conversation)
    page = await sync_to_async(visitor.client.get)(f"/chat/{conversation.uuid}/")
    assert b"Interrupted: the reply was cut off" in page.content
    assert (await sync_to_async(row)(str(message.uuid))).stream == "interrupted"


# Stop ------------------------------------------------------------------------------------


async def test_stop_ends_the_story_with_what_it_has_and_runs_on_stop(visitor: Visitor) -> None:
    _, socket = await start(visitor)
    tab = Tab()
    ref = await socket.send({"type": "message", "content": "tell me a story"})
    await read_until(socket, tab, lambda fs: sum(f["type"] == "message.stream" for f in fs) > 3)
    stop_ref = await socket.send({"type": "stop"})
    frames = []
    acks: dict[str, dict[str, Any]] = {}
    while len(acks) < 2:
        frame = await socket.receive(5)
        if frame["type"] == "ack":
            acks[frame["ref"]] = frame
        else:
            tab.see(frame)
            frames.append(frame)
    assert acks[ref]["status"] == "cancelled" and acks[stop_ref]["status"] == "ok"
    stopped = next(f for f in frames if f["type"] == "message.update")
    assert stopped["stream"] == "stopped" and "Stopped" in stopped["html"]
    assert next(f for f in frames if f["type"] == "task.end")["status"] == "cancelled"
    assert any(f.get("content") == "Stopped. Ask again whenever you like." for f in frames)
    saved = await sync_to_async(row)(stopped["id"])
    assert saved.stream == "stopped" and saved.content == tab.text[stopped["id"]]
    assert saved.content and len(saved.content) < 200
    assert not await sync_to_async(RunningTask.objects.exists)()


async def hold(
    visitor: Visitor, callbacks: Callbacks
) -> tuple[Any, Socket, str, str, asyncio.Event]:
    """A conversation whose button's callback is running (and would for 30 s)."""
    conversation, socket = await start(visitor, tasks=False)
    started = asyncio.Event()

    @callbacks("slow")
    async def slow(action: Any) -> None:
        started.set()
        await asyncio.sleep(30)

    action_id = await offer(socket, conversation, "slow")
    ref = await socket.send({"type": "action", "id": action_id})
    await asyncio.wait_for(started.wait(), 5)
    return conversation, socket, action_id, ref, started


async def test_a_stopped_click_is_audited_cancelled_and_its_button_released(
    visitor: Visitor, callbacks: Callbacks
) -> None:
    _, socket, action_id, ref, started = await hold(visitor, callbacks)
    await socket.send({"type": "stop"})
    _, ack = await socket.until_ack(ref, timeout=5)
    assert ack["status"] == "cancelled"
    click = await sync_to_async(ActionClick.objects.get)(action__uuid=action_id)
    assert click.outcome == "cancelled" and click.error == ""
    button = await sync_to_async(Action.objects.get)(uuid=action_id)
    assert button.claimed_until is None  # released: a new click runs again
    started.clear()
    await socket.send({"type": "action", "id": action_id})
    await asyncio.wait_for(started.wait(), 5)
    await socket.send({"type": "stop"})


def strict_client(visitor: Visitor) -> Any:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.cookies = visitor.client.cookies
    return client


async def test_stop_over_the_api_is_for_the_owner_and_needs_csrf(
    visitor: Visitor, callbacks: Callbacks
) -> None:
    from rest_framework.test import APIClient

    conversation, socket, action_id, ref, _ = await hold(visitor, callbacks)
    url = f"/api/chat/conversations/{conversation.uuid}/stop/"
    stranger = Visitor()
    await sync_to_async(stranger.start)()
    foreign = await sync_to_async(stranger.client.post)(url)
    assert foreign.status_code == 404
    owner = strict_client(visitor)
    unsigned = await sync_to_async(owner.post)(url)
    assert unsigned.status_code == 403
    await asyncio.sleep(0.2)
    assert await sync_to_async(RunningTask.objects.count)() == 1  # still running
    api = APIClient(enforce_csrf_checks=True)
    api.cookies = visitor.client.cookies
    await sync_to_async(api.get)("/api/chat/conversations/")
    token = api.cookies["csrftoken"].value
    stopped = await sync_to_async(api.post)(url, HTTP_X_CSRFTOKEN=token)
    assert stopped.status_code == 200 and stopped.json()["status"] == "ok"
    _, ack = await socket.until_ack(ref, timeout=5)
    assert ack["status"] == "cancelled"
    assert await sync_to_async(ActionClick.objects.get)(action__uuid=action_id)


async def test_the_pages_stop_button_is_a_csrf_checked_post(
    visitor: Visitor, callbacks: Callbacks
) -> None:
    conversation, socket, _, ref, _ = await hold(visitor, callbacks)
    owner = strict_client(visitor)
    page = await sync_to_async(owner.get)(f"/chat/{conversation.uuid}/")
    html = page.content.decode()
    assert "Assistant is working…" in html and "data-working hidden" not in html
    assert f'action="/chat/{conversation.uuid}/stop/"' in html
    url = f"/chat/{conversation.uuid}/stop/"
    assert (await sync_to_async(owner.post)(url)).status_code == 403
    token = owner.cookies["csrftoken"].value
    done = await sync_to_async(owner.post)(url, {"csrfmiddlewaretoken": token})
    assert done.status_code == 302 and done["Location"] == f"/chat/{conversation.uuid}/"
    _, ack = await socket.until_ack(ref, timeout=5)
    assert ack["status"] == "cancelled"
    page = await sync_to_async(owner.get)(f"/chat/{conversation.uuid}/")
    assert "data-working hidden" in page.content.decode()
    stranger = Visitor()
    await sync_to_async(stranger.start)()
    assert (await sync_to_async(stranger.client.post)(url)).status_code == 404


async def test_stop_with_nothing_running_still_runs_on_stop(visitor: Visitor) -> None:
    _, socket = await start(visitor, tasks=False)
    frames, ack = await socket.request({"type": "stop"})
    assert ack["status"] == "ok"
    assert [f["content"] for f in frames] == ["Stopped. Ask again whenever you like."]


async def test_on_stop_is_registered_once(visitor: Visitor) -> None:
    with pytest.raises(ca.AlreadyRegistered):
        default_registry.on_stop(lambda: None)


# Edges -------------------------------------------------------------------------------------


async def test_a_bad_token_is_refused_and_saves_nothing(
    visitor: Visitor, callbacks: Callbacks
) -> None:
    conversation, socket = await start(visitor, tasks=False)
    before = await sync_to_async(Message.objects.count)()
    message = ca.Message("", conversation=conversation)
    with pytest.raises(ca.MessageError):
        await message.stream_token("nul\x00")
    with pytest.raises(ca.InvalidMessage):
        await message.stream_token(42)  # type: ignore[arg-type]
    assert await sync_to_async(Message.objects.count)() == before
    assert await socket.nothing_more()


async def test_a_handler_that_raises_mid_stream_leaves_it_interrupted(
    visitor: Visitor, callbacks: Callbacks
) -> None:
    conversation, socket = await start(visitor, tasks=False)

    @callbacks("tell")
    async def tell(action: Any) -> None:
        message = ca.Message("")
        await message.stream_token("Half ")
        raise RuntimeError("the model went away")

    action_id = await offer(socket, conversation, "tell")
    frames, ack = await socket.request({"type": "action", "id": action_id})
    assert ack["status"] == "error"
    assert frames[-1]["stream"] == "interrupted" and frames[-1]["content"] == "Half "


async def test_a_handler_that_forgets_to_send_has_its_stream_ended_as_it_is(
    visitor: Visitor, callbacks: Callbacks
) -> None:
    conversation, socket = await start(visitor, tasks=False)

    @callbacks("tell")
    async def tell(action: Any) -> None:
        message = ca.Message("")
        await message.stream_token("All **of** it")

    action_id = await offer(socket, conversation, "tell")
    frames, ack = await socket.request({"type": "action", "id": action_id})
    assert ack["status"] == "ok"
    assert frames[-1]["stream"] == "" and "<strong>of</strong>" in frames[-1]["html"]


async def test_streaming_into_a_removed_message_does_nothing(
    visitor: Visitor, callbacks: Callbacks
) -> None:
    conversation, _ = await start(visitor, tasks=False)
    message = await ca.Message("gone soon", conversation=conversation).send()
    await message.remove()
    await message.stream_token("more")
    assert await sync_to_async(lambda: row(str(message.id)).stream)() == ""
    assert not await message.update()


async def test_stop_in_a_conversation_whose_app_is_gone_answers_error(visitor: Visitor) -> None:
    conversation, socket = await start(visitor, tasks=False)
    await sync_to_async(type(conversation).objects.filter(pk=conversation.pk).update)(app="gone")
    _, ack = await socket.request({"type": "stop"})
    assert ack["status"] == "error"
