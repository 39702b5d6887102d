"""The demo's assistant, a Pydantic AI agent on its scripted model, over the socket, offline.

Its own app (``/assistant/``) and the demo bot's "delete the file ..." alike:
it proposes ``delete_file`` and waits; the tool runs once, with the approved
(or edited) arguments; a rejection or an expiry gets its answer in words.
``DEMO_MODEL`` (``CHATACTIONS_DEMO_MODEL``) swaps the model for a named one.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from pydantic_ai.models.function import FunctionModel
from pydantic_ai.models.test import TestModel
from pytest_django.fixtures import Settings

from chatactions import dispatch
from chatactions.models import Approval, Conversation
from project.bot import assistant, scripted

from .approvals import answer_ids
from .conftest import Socket, Visitor

pytestmark = pytest.mark.django_db(transaction=True)

ASKED = "The assistant wants to run `delete_file`."
Ran = list[tuple[str, bool]]


@pytest.fixture
async def socket(visitor: Visitor) -> AsyncIterator[Socket]:
    """A conversation of the assistant's app, started from its page, open in a tab."""
    response = await sync_to_async(visitor.client.post)("/assistant/")
    assert response.status_code == 302
    conversation = await Conversation.objects.aget(uuid=response["Location"].split("/")[-2])
    assert conversation.app == "assistant"
    tab = visitor.socket(conversation)
    await tab.connect()
    yield tab
    await tab.close()


class Runs(logging.Handler):
    """Every run of the (pretend) tool, as (path, recursive), read from its log line."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.runs: Ran = []

    def emit(self, record: logging.LogRecord) -> None:
        assert isinstance(record.args, tuple)
        path, recursive = record.args
        self.runs.append((str(path), bool(recursive)))


@pytest.fixture
def ran() -> Iterator[Ran]:
    handler, level = Runs(), assistant.log.level
    assistant.log.addHandler(handler)
    assistant.log.setLevel(logging.INFO)
    yield handler.runs
    assistant.log.removeHandler(handler)
    assistant.log.setLevel(level)


async def propose(socket: Socket, text: str = "delete the file notes.txt") -> dict[str, str]:
    """Ask for a file to be deleted; the answers' ids of the approval the assistant sent."""
    frames, ack = await socket.request({"type": "message", "content": text})
    assert ack["status"] == "ok"
    (asked,) = [f for f in frames if f.get("content", "").startswith(ASKED)]
    assert "delete_file" in asked["html"] and "notes.txt" in asked["html"]
    return answer_ids(asked["html"])


def said(frames: list[dict[str, Any]]) -> str:
    """The streamed reply's final text."""
    assert any(f["type"] == "message.stream" for f in frames)
    return str([f for f in frames if f["type"] == "message.update"][-1]["content"])


async def test_the_page_greets_and_anything_else_gets_what_it_can_do(socket: Socket) -> None:
    frames, _ = await socket.request({"type": "sync", "after": None})
    assert [f["content"] for f in frames] == [assistant.GREETING]
    frames, _ = await socket.request({"type": "message", "content": "hello"})
    assert said(frames) == scripted.HELP


async def test_it_proposes_delete_file_and_waits(socket: Socket, ran: Ran) -> None:
    ids = await propose(socket)
    assert sorted(ids) == ["approve", "edit", "reject"]
    row = await Approval.objects.aget()
    assert (row.tool, row.arguments) == ("delete_file", {"path": "notes.txt", "recursive": False})
    assert row.expires_at is not None and ran == []


async def test_approve_runs_the_tool_once_and_says_so(socket: Socket, ran: Ran) -> None:
    ids = await propose(socket)
    frames, ack = await socket.request({"type": "action", "id": ids["approve"]})
    assert ack["status"] == "ok"
    assert said(frames) == "Okay, deleting 'notes.txt'... (Not really!)"
    assert ran == [("notes.txt", False)]
    _, again = await socket.request({"type": "action", "id": ids["approve"]})
    assert again["status"] == "gone" and ran == [("notes.txt", False)]


async def test_an_edit_runs_the_tool_with_the_edited_arguments_only(
    socket: Socket, ran: Ran
) -> None:
    ids = await propose(socket)
    frames, ack = await socket.request({"type": "submit", "id": ids["edit"], "data": {"path": ""}})
    assert ack["status"] == "invalid" and ack["errors"] == {"path": ["This field is required."]}
    assert frames == [] and ran == []
    data = {"path": "drafts/old.txt", "recursive": True}
    frames, ack = await socket.request({"type": "submit", "id": ids["edit"], "data": data})
    assert ack["status"] == "ok"
    assert said(frames) == "Okay, deleting 'drafts/old.txt'... (Not really!)"
    assert ran == [("drafts/old.txt", True)]


@pytest.mark.parametrize(
    ("reason", "reply"),
    [
        ("that is the only backup", "Understood, I won't delete it (that is the only backup)."),
        ("", "Understood, I won't delete it."),
    ],
)
async def test_a_rejection_is_answered_with_the_reason(
    socket: Socket, ran: Ran, reason: str, reply: str
) -> None:
    ids = await propose(socket)
    data = {"reason": reason}
    frames, ack = await socket.request({"type": "submit", "id": ids["reject"], "data": data})
    assert ack["status"] == "ok"
    assert said(frames) == reply and ran == []


async def test_an_expired_proposal_leaves_the_file_alone(socket: Socket, ran: Ran) -> None:
    await propose(socket)
    await Approval.objects.aupdate(expires_at="2000-01-01T00:00:00Z")
    assert await dispatch.expire_approvals() == 1
    while (frame := await socket.receive())["type"] != "message.update" or frame[
        "content"
    ].startswith(ASKED):  # the approval's "expired", then the reply streaming
        pass
    assert frame["content"] == "No answer in time, so I left the file alone."
    assert ran == []


async def test_the_demo_bot_hands_delete_the_file_to_the_assistant(
    visitor: Visitor, ran: Ran
) -> None:
    conversation = await sync_to_async(visitor.start)()
    assert conversation.app == "default"
    socket = visitor.socket(conversation)
    await socket.connect()
    ids = await propose(socket)
    frames, _ = await socket.request({"type": "action", "id": ids["approve"]})
    assert said(frames) == "Okay, deleting 'notes.txt'... (Not really!)"
    assert ran == [("notes.txt", False)]
    await socket.close()


def test_the_model_is_scripted_unless_demo_model_names_one(settings: Settings) -> None:
    assert isinstance(assistant.agent.model, FunctionModel)  # make demo, CI: no key
    settings.DEMO_MODEL = "test"  # CHATACTIONS_DEMO_MODEL=test: Pydantic AI's offline TestModel
    agent = assistant.build_agent()
    assert isinstance(agent.model, TestModel)
    assert list(agent.toolsets[0].tools) == ["delete_file"]  # type: ignore[attr-defined]
    settings.DEMO_MODEL = ""
    assert isinstance(assistant.build_agent().model, FunctionModel)
