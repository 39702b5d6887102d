"""Errors are reported, not swallowed: logged with a traceback, answered, recorded, survived."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from pytest_django.fixtures import Settings

import chatactions as ca
from chatactions import dispatch
from chatactions.models import Action, ActionClick, Message
from chatactions.registration import Registration
from chatactions.registry import default_registry

from .conftest import Callbacks, Chat, Visitor, offer
from .rows import asnapshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Callable[[Any], Any]]:
    """Replace the demo bot's ``on_message`` or ``on_chat_start`` for one test."""

    def replace(name: str) -> Callable[[Any], Any]:
        def decorator(func: Any) -> Any:
            monkeypatch.setitem(default_registry._hooks, name, Registration(func, name))
            return func

        return decorator

    return replace


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]


# Callbacks --------------------------------------------------------------------------


async def test_callback_error_is_logged_with_its_traceback_and_where(
    chat: Chat, callbacks: Callbacks, caplog: pytest.LogCaptureFixture
) -> None:
    _, conversation, socket = chat

    @callbacks("boom")
    async def boom(action: ca.Action) -> None:
        raise RuntimeError("kaboom")

    action_id = await offer(socket, conversation, "boom")
    await socket.request({"type": "action", "id": action_id})
    [record] = tracebacks(caplog)
    assert record.exc_info is not None
    assert record.name == "chatactions.handlers"
    assert "test_errors" in record.getMessage() and "boom" in record.getMessage()
    assert record.exc_info[0] is RuntimeError and "kaboom" in caplog.text


async def test_callback_error_answers_a_generic_error_and_keeps_the_socket(
    chat: Chat, callbacks: Callbacks
) -> None:
    _, conversation, socket = chat

    @callbacks("boom")
    async def boom(action: ca.Action) -> None:
        raise RuntimeError("password=hunter2")

    action_id = await offer(socket, conversation, "boom")
    _, ack = await socket.request({"type": "action", "id": action_id})
    assert (ack["status"], ack["detail"]) == ("error", "Something went wrong.")
    _, alive = await socket.request({"type": "message", "content": "still there?"})
    assert alive["status"] == "ok"


async def test_callback_error_records_outcome_duration_error_and_releases_the_claim(
    chat: Chat, callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    runs = []

    @callbacks("flaky")
    def flaky(action: ca.Action) -> None:  # a plain def: it raises in a worker thread
        runs.append(1)
        if len(runs) == 1:
            raise KeyError("first time")

    action_id = await offer(socket, conversation, "flaky")
    _, failed = await socket.request({"type": "action", "id": action_id})
    click = await ActionClick.objects.aget()
    assert (click.outcome, failed["status"]) == ("error", "error")
    assert click.duration_ms > 0 and "KeyError: 'first time'" in click.error
    row = await Action.objects.aget(uuid=action_id)
    assert (row.claimed_until, row.claim_token) == (None, None)
    _, retried = await socket.request({"type": "action", "id": action_id})
    assert retried["status"] == "ok" and runs == [1, 1]


# Handlers ---------------------------------------------------------------------------


async def test_on_message_error_is_logged_answered_and_the_users_message_is_kept(
    chat: Chat, hook: Callable[[str], Callable[[Any], Any]], caplog: pytest.LogCaptureFixture
) -> None:
    _, conversation, socket = chat

    @hook("on_message")
    async def broken(message: ca.Message) -> None:
        raise ZeroDivisionError("bad bot")

    frames, ack = await socket.request({"type": "message", "content": "hello"})
    assert (ack["status"], ack["detail"]) == ("error", "Something went wrong.")
    assert [f["content"] for f in frames] == ["hello"]  # echoed: it was saved first
    assert await conversation.messages.filter(content="hello").aexists()
    [record] = tracebacks(caplog)
    assert record.exc_info is not None
    assert record.exc_info[0] is ZeroDivisionError and "broken" in record.getMessage()
    _, alive = await socket.request({"type": "sync", "after": None})
    assert alive["status"] == "ok"


async def test_on_message_error_detail_names_the_exception_under_debug(
    chat: Chat, hook: Callable[[str], Callable[[Any], Any]], settings: Settings
) -> None:
    _, _, socket = chat
    settings.DEBUG = True

    @hook("on_message")
    async def broken(message: ca.Message) -> None:
        raise ZeroDivisionError("bad bot")

    _, ack = await socket.request({"type": "message", "content": "hello"})
    assert ack["detail"] == "ZeroDivisionError: bad bot"


def test_on_chat_start_error_is_logged_and_the_chat_still_opens(
    visitor: Visitor, hook: Callable[[str], Callable[[Any], Any]], caplog: pytest.LogCaptureFixture
) -> None:
    @hook("on_chat_start")
    def broken() -> None:
        raise LookupError("no greeting")

    conversation = visitor.start()
    assert visitor.client.get(f"/chat/{conversation.uuid}/").status_code == 200
    assert conversation.messages.count() == 0
    [record] = tracebacks(caplog)
    assert record.exc_info is not None
    assert record.exc_info[0] is LookupError


def test_on_message_error_through_the_form_flashes_a_notice(
    visitor: Visitor, hook: Callable[[str], Callable[[Any], Any]]
) -> None:
    @hook("on_message")
    async def broken(message: ca.Message) -> None:
        raise ZeroDivisionError("bad bot")

    conversation = visitor.start()
    response = visitor.client.post(f"/chat/{conversation.uuid}/", {"content": "hi"}, follow=True)
    assert "Something went wrong." in response.content.decode()


# Failures outside user code -----------------------------------------------------------


async def test_failure_outside_user_code_still_answers_the_frame(
    chat: Chat, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, socket = chat

    async def broken(*args: Any) -> None:
        raise RuntimeError("a bug in chatactions itself")

    monkeypatch.setattr(dispatch, "user_message", broken)
    before = await Message.objects.acount()
    _, ack = await socket.request({"type": "message", "content": "hi", "ref": "m"})
    assert ack == {"type": "ack", "ref": "m", "status": "error", "detail": "Something went wrong."}
    assert [r.getMessage() for r in tracebacks(caplog)] == ["chatactions: frame handler failed"]
    assert await Message.objects.acount() == before
    _, alive = await socket.request({"type": "sync", "after": None})
    assert alive["status"] == "ok"


async def test_database_error_in_a_handler_is_answered_not_left_hanging(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, socket = chat

    async def down(*args: Any) -> None:
        raise ConnectionError("database is down")

    monkeypatch.setattr(dispatch, "click", down)
    before = await asnapshot()
    _, ack = await socket.request({"type": "action", "id": "0c1f5a3e-4a8b-4a52-9a57-0d5e6c2b8f11"})
    assert ack["status"] == "error"
    assert await asnapshot() == before


async def test_unknown_action_name_is_an_error_naming_it_in_the_log(
    chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    _, conversation, socket = chat
    action_id = await offer(socket, conversation, "nobody_home")
    _, ack = await socket.request({"type": "action", "id": action_id})
    assert ack["status"] == "error"
    assert "nobody_home" in caplog.text
