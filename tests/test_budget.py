"""One budget per requester, whatever the door and however often the socket reconnects.

The issue's attacks, in one process (tests/test_live_sessions.py runs them over
two daphne processes sharing a Redis cache): fresh sockets, the no-JavaScript
forms and the API all draw on the same ``RATE_LIMIT`` per ``RATE_LIMIT_PERIOD``,
and a flood of refused clicks writes one audit row per window.
"""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

from chatactions.models import Action, ActionClick, Message

from .conftest import Chat, Visitor, offer
from .rows import asnapshot

pytestmark = pytest.mark.django_db(transaction=True)

BUDGET = {"RATE_LIMIT": 8, "RATE_LIMIT_PERIOD": 600}
TOO_MANY = "Too many requests; wait a moment and try again."


def flashed(page: str) -> bool:
    """Whether the page shows the refusal as a notice (the text is also among chat.js's)."""
    return f'">{TOO_MANY}</p>' in page


def api_client(visitor: Visitor) -> tuple[APIClient, str]:
    """An API client with the visitor's cookies; its first GET (one request) gets the token."""
    client = APIClient()
    client.cookies = visitor.client.cookies
    client.get("/api/chat/conversations/")
    return client, client.cookies["csrftoken"].value


async def through_a_fresh_socket(visitor: Visitor, conversation: Any, content: str) -> str:
    socket = visitor.socket(conversation)
    await socket.connect()
    _, ack = await socket.request({"type": "message", "content": content})
    await socket.close()
    return str(ack["status"])


def through_the_form(visitor: Visitor, conversation: Any, content: str) -> str:
    page = visitor.client.post(f"/chat/{conversation.uuid}/", {"content": content}, follow=True)
    return "rate_limited" if flashed(page.content.decode()) else "ok"


def through_the_api(client: APIClient, token: str, conversation: Any, content: str) -> str:
    response = client.post(
        f"/api/chat/conversations/{conversation.uuid}/messages/",
        {"content": content},
        format="json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code in (200, 429), response.content
    return "ok" if response.status_code == 200 else "rate_limited"


async def test_fresh_sockets_forms_and_api_share_one_budget(
    visitor: Visitor, settings: Settings
) -> None:
    conversation = await sync_to_async(visitor.start)()
    settings.CHATACTIONS = BUDGET
    client, token = await sync_to_async(api_client)(visitor)  # spends one
    before = await asnapshot()
    statuses = []
    for i in range(10):
        statuses.append(await through_a_fresh_socket(visitor, conversation, f"socket {i}"))
        statuses.append(await sync_to_async(through_the_form)(visitor, conversation, f"form {i}"))
        statuses.append(
            await sync_to_async(through_the_api)(client, token, conversation, f"api {i}")
        )
    assert statuses == ["ok"] * 7 + ["rate_limited"] * 23
    after = await asnapshot()
    written = after["messages"][len(before["messages"]) :]
    assert after["messages"][: len(before["messages"])] == before["messages"]
    said = [content for _, _, content, author, _ in written if author != "Assistant"]
    assert said == ["socket 0", "form 0", "api 0", "socket 1", "form 1", "api 1", "socket 2"]
    assert len(written) == 14  # and one reply to each: seven runs of on_message, no more


async def test_a_flood_of_clicks_writes_one_rate_limited_row_per_window(
    chat: Chat, settings: Settings
) -> None:
    visitor, conversation, socket = chat
    action_id = await offer(socket, conversation, "cancel_delete")
    await Action.objects.filter(uuid=action_id).aupdate(removed_at=timezone.now())
    settings.CHATACTIONS = {"RATE_LIMIT": 5, "RATE_LIMIT_PERIOD": 600}
    url = f"/chat/{conversation.uuid}/actions/{action_id}/click/"
    before = await asnapshot()
    answers = []
    for _ in range(20):
        _, ack = await socket.request({"type": "action", "id": action_id})
        answers.append(ack["status"])
        page = await sync_to_async(visitor.client.post)(url, follow=True)
        answers.append("rate_limited" if flashed(page.content.decode()) else "gone")
    assert answers == ["gone"] * 5 + ["rate_limited"] * 35
    after = await asnapshot()
    assert after["messages"] == before["messages"] and after["actions"] == before["actions"]
    rows = [(c.outcome, c.count, c.via) async for c in ActionClick.objects.order_by("pk")]
    assert rows == [
        *[("gone", 1, via) for via in ("websocket", "form", "websocket", "form", "websocket")],
        ("rate_limited", 35, "form"),  # the first refused click was the form's
    ]


async def test_refused_clicks_on_ids_that_exist_nowhere_leave_no_row(
    chat: Chat, settings: Settings
) -> None:
    _, conversation, socket = chat
    settings.CHATACTIONS = {"RATE_LIMIT": 1, "RATE_LIMIT_PERIOD": 600}
    await socket.request({"type": "sync", "after": None})  # the only one
    for _ in range(3):
        _, ack = await socket.request(
            {"type": "action", "id": "3f2504e0-4f89-41d3-9a0c-0305e82c3301"}
        )
        assert ack["status"] == "rate_limited"
    assert await ActionClick.objects.acount() == 0
    # A refused click on a real button then opens the window's row, counting them all.
    action_id = await offer(socket, conversation, "cancel_delete")
    await socket.request({"type": "action", "id": action_id})
    assert [(c.outcome, c.count) async for c in ActionClick.objects.all()] == [("rate_limited", 4)]


async def test_a_chat_start_draws_on_the_budget_too(visitor: Visitor, settings: Settings) -> None:
    await sync_to_async(visitor.start)()
    settings.CHATACTIONS = {"RATE_LIMIT": 1, "RATE_LIMIT_PERIOD": 600}
    await sync_to_async(visitor.start)()
    before = await asnapshot()
    response = await sync_to_async(visitor.client.post)("/chat/")  # "New chat"
    assert (response.status_code, response.content.decode()) == (429, TOO_MANY)
    assert await asnapshot() == before
    assert await Message.objects.acount() == 2  # two greetings, for the two that started
