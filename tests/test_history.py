"""Conversations to come back to: GET /chat/, New chat, the history page, rename and delete."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format
from pytest_django.fixtures import Settings

import chatactions as ca
from chatactions import protocol
from chatactions.models import Conversation, Message

from .conftest import Visitor
from .rows import snapshot

pytestmark = pytest.mark.django_db(transaction=True)


def history(client: Client, page: int | None = None) -> str:
    response = client.get("/chat/history/", {"page": page} if page else {})
    assert response.status_code == 200
    return response.content.decode()


def titles(html: str) -> list[str]:
    return re.findall(r'<span class="ca-history-title" dir="auto">([^<]*)</span>', html)


def say(visitor: Visitor, conversation: Conversation, content: str) -> None:
    response = visitor.client.post(f"/chat/{conversation.uuid}/", {"content": content})
    assert response.status_code == 302


def rows() -> dict[str, list[Any]]:
    """Every table, with the columns rename and delete write."""
    return {
        **snapshot(),
        "history": list(
            Conversation.objects.order_by("pk").values_list("pk", "title", "deleted_at")
        ),
    }


# GET /chat/ and New chat ---------------------------------------------------------------


def test_a_reload_and_a_second_visit_open_the_same_conversation(visitor: Visitor) -> None:
    first = visitor.client.get("/chat/")
    again = visitor.client.get("/chat/")
    assert first["Location"] == again["Location"]
    assert Conversation.objects.count() == 1 and Message.objects.count() == 1  # one greeting


def test_get_opens_the_conversation_with_the_newest_activity(visitor: Visitor) -> None:
    older = visitor.start()
    newer = visitor.start()
    assert visitor.client.get("/chat/")["Location"] == f"/chat/{newer.uuid}/"
    say(visitor, older, "back to the first one")
    assert visitor.client.get("/chat/")["Location"] == f"/chat/{older.uuid}/"
    assert Conversation.objects.count() == 2


def test_get_from_another_site_opens_an_existing_conversation_and_writes_nothing(
    visitor: Visitor,
) -> None:
    conversation = visitor.start()
    before = rows()
    response = visitor.client.get("/chat/", HTTP_SEC_FETCH_SITE="cross-site")
    assert response["Location"] == f"/chat/{conversation.uuid}/"
    assert rows() == before


def test_get_skips_deleted_conversations_and_starts_one_if_none_is_left(visitor: Visitor) -> None:
    conversation = visitor.start()
    visitor.client.post(f"/chat/{conversation.uuid}/delete/")
    response = visitor.client.get("/chat/")
    new = Conversation.objects.exclude(pk=conversation.pk).get()
    assert response["Location"] == f"/chat/{new.uuid}/"


def test_new_chat_is_a_post_with_csrf_that_starts_one(visitor: Visitor) -> None:
    visitor.start()
    client = Client(enforce_csrf_checks=True)
    client.cookies = visitor.client.cookies
    page = client.get("/chat/", follow=True).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    assert re.search(r'<form class="ca-header-form" method="post" action="/chat/">', page)
    before = rows()
    assert client.post("/chat/").status_code == 403  # no token: nothing started
    assert rows() == before
    response = client.post("/chat/", {"csrfmiddlewaretoken": token[1]})
    assert Conversation.objects.count() == 2
    newest = Conversation.objects.order_by("-pk")[0]
    assert response["Location"] == f"/chat/{newest.uuid}/"


def test_the_chat_header_links_the_history_page(visitor: Visitor) -> None:
    conversation = visitor.start()
    page = visitor.client.get(f"/chat/{conversation.uuid}/").content.decode()
    assert '<a class="ca-header-link" href="/chat/history/">' in page


# The history page ------------------------------------------------------------------------


def test_history_lists_the_newest_activity_first_with_titles(visitor: Visitor) -> None:
    untitled = visitor.start()
    chatted = visitor.start()
    say(visitor, chatted, "  How do   I export\nmy data?  ")
    titled = visitor.start()
    async_to_sync(ca.Chat(titled).set_title)("Billing question")
    when = timezone.localtime(untitled.created_at)
    dated = f"Chat of {date_format(when, 'DATETIME_FORMAT')}"  # as the site writes dates
    html = history(visitor.client)
    listed = titles(html)
    assert listed[:2] == ["Billing question", "How do I export my data?"]
    assert listed[2] == dated
    assert (
        html.index(str(titled.uuid))
        < html.index(str(chatted.uuid))
        < html.index(str(untitled.uuid))
    )


def test_a_long_first_message_is_cut_for_the_title(visitor: Visitor) -> None:
    conversation = visitor.start()
    say(visitor, conversation, "word " * 40)
    (title,) = titles(history(visitor.client))
    assert title.endswith("…") and len(title) <= 81


def test_history_shows_only_the_requesters_conversations_of_that_app(visitor: Visitor) -> None:
    mine = visitor.start()
    other = Visitor()
    theirs = other.start()
    Conversation.objects.create(visitor=mine.visitor, app="helpdesk")
    html = history(visitor.client)
    assert str(mine.uuid) in html and str(theirs.uuid) not in html
    assert len(titles(html)) == 1


def test_history_without_a_session_is_empty_and_writes_nothing() -> None:
    client = Client()
    before = rows()
    html = history(client)
    assert "No conversations yet." in html and titles(html) == []
    assert rows() == before and "sessionid" not in client.cookies


def test_history_asks_an_anonymous_visitor_to_log_in_where_only_users_chat(
    settings: Settings,
) -> None:
    settings.CHATACTIONS = {"ALLOW_ANONYMOUS": False}
    response = Client().get("/chat/history/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_history_is_paginated(visitor: Visitor) -> None:
    conversation = visitor.start()
    now = timezone.now()
    Conversation.objects.bulk_create(
        Conversation(visitor=conversation.visitor, last_activity_at=now - timedelta(minutes=i))
        for i in range(1, 25)
    )
    first, second = history(visitor.client), history(visitor.client, 2)
    assert len(titles(first)) == 20 and len(titles(second)) == 5
    assert str(conversation.uuid) in first
    assert "Page 1 of 2" in first and 'href="?page=2" rel="next"' in first
    assert 'href="?page=1" rel="prev"' in second


def history_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        history(client)
    return len(queries)


def test_the_history_page_costs_the_same_queries_for_1_and_200_conversations(
    visitor: Visitor,
) -> None:
    conversation = visitor.start()
    say(visitor, conversation, "hello")
    one = history_queries(visitor.client)
    Conversation.objects.bulk_create(
        Conversation(visitor=conversation.visitor) for _ in range(199)
    )
    many = history_queries(visitor.client)
    assert one == many == 3  # the session, the count, the page (titles in the same query)


# Rename and delete -------------------------------------------------------------------------


def test_rename_sets_the_title_and_goes_back_to_the_page_it_came_from(visitor: Visitor) -> None:
    conversation = visitor.start()
    response = visitor.client.post(
        f"/chat/{conversation.uuid}/rename/",
        {"title": "  My   export  ", "next": "/chat/history/?page=1"},
    )
    assert response["Location"] == "/chat/history/?page=1"
    conversation.refresh_from_db()
    assert conversation.title == "My export"
    assert titles(history(visitor.client)) == ["My export"]


def test_rename_to_nothing_gives_the_default_title_back(visitor: Visitor) -> None:
    conversation = visitor.start()
    say(visitor, conversation, "first words")
    visitor.client.post(f"/chat/{conversation.uuid}/rename/", {"title": "Named"})
    visitor.client.post(f"/chat/{conversation.uuid}/rename/", {"title": ""})
    assert titles(history(visitor.client)) == ["first words"]


def test_rename_never_goes_back_to_another_site(visitor: Visitor) -> None:
    conversation = visitor.start()
    response = visitor.client.post(
        f"/chat/{conversation.uuid}/rename/", {"title": "x", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/chat/history/"


def test_a_title_too_long_is_refused_with_a_notice_and_writes_nothing(visitor: Visitor) -> None:
    conversation = visitor.start()
    before = rows()
    response = visitor.client.post(
        f"/chat/{conversation.uuid}/rename/", {"title": "x" * 201}, follow=True
    )
    assert "A title has at most 200 characters." in response.content.decode()
    assert rows() == before


@pytest.mark.parametrize("verb", ["rename", "delete"])
def test_rename_and_delete_of_a_foreign_conversation_are_404_and_write_nothing(
    visitor: Visitor, verb: str
) -> None:
    theirs = Visitor().start()
    visitor.start()
    before = rows()
    response = visitor.client.post(f"/chat/{theirs.uuid}/{verb}/", {"title": "mine now"})
    assert response.status_code == 404
    assert rows() == before


@pytest.mark.parametrize("verb", ["rename", "delete"])
def test_rename_and_delete_need_a_post_with_csrf(visitor: Visitor, verb: str) -> None:
    conversation = visitor.start()
    client = Client(enforce_csrf_checks=True)
    client.cookies = visitor.client.cookies
    before = rows()
    assert client.get(f"/chat/{conversation.uuid}/{verb}/").status_code == 405
    assert client.post(f"/chat/{conversation.uuid}/{verb}/", {"title": "x"}).status_code == 403
    assert rows() == before


def test_a_deleted_conversation_keeps_its_rows_and_leaves_every_view(visitor: Visitor) -> None:
    conversation = visitor.start()
    say(visitor, conversation, "delete my data")
    before = snapshot()
    response = visitor.client.post(f"/chat/{conversation.uuid}/delete/", follow=True)
    assert "Conversation deleted." in response.content.decode()
    assert snapshot() == before  # every message, button and click is still there
    conversation.refresh_from_db()
    assert conversation.deleted_at is not None
    assert titles(history(visitor.client)) == []
    assert visitor.client.get(f"/chat/{conversation.uuid}/").status_code == 404
    button = conversation.messages.get(actions__name="confirm_delete").actions.get(
        name="confirm_delete"
    )
    click = visitor.client.post(f"/chat/{conversation.uuid}/actions/{button.uuid}/click/")
    assert click.status_code == 404
    assert not button.clicks.filter(outcome="ok").exists()


async def test_the_socket_of_a_deleted_conversation_is_not_found(visitor: Visitor) -> None:
    conversation = await sync_to_async(visitor.start)()
    socket = visitor.socket(conversation)
    await socket.connect()
    await sync_to_async(visitor.client.post)(f"/chat/{conversation.uuid}/delete/")
    closed = await socket.comm.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": protocol.CLOSE_NOT_FOUND}
    again = visitor.socket(conversation)
    await again.comm.connect(timeout=5)  # accepted, then closed: "not found", like any id
    closed = await again.comm.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": protocol.CLOSE_NOT_FOUND}


# Titles set by code ---------------------------------------------------------------------


def test_set_title_sync_and_a_refused_title(visitor: Visitor) -> None:
    conversation = visitor.start()
    chat = ca.Chat(conversation)
    chat.set_title_sync("Order #1234")
    assert Conversation.objects.get(pk=conversation.pk).title == "Order #1234"
    for bad in ("x" * 201, "nul\x00"):
        with pytest.raises(ValueError):
            chat.set_title_sync(bad)
    assert Conversation.objects.get(pk=conversation.pk).title == "Order #1234"


titling = ca.ChatRegistry("titling")


@titling.on_message
async def name_it(message: ca.Message) -> None:
    await ca.current_chat().set_title(f"About {message.content}")


def test_a_handler_sets_the_title_from_the_first_message(visitor: Visitor) -> None:
    conversation = Conversation.objects.create(visitor=visitor.start().visitor, app="titling")
    say(visitor, conversation, "refunds")
    assert Conversation.objects.get(pk=conversation.pk).title == "About refunds"


# Login ------------------------------------------------------------------------------------


def test_an_anonymous_history_becomes_the_users_at_login(visitor: Visitor) -> None:
    first, second = visitor.start(), visitor.start()
    visitor.client.post(f"/chat/{second.uuid}/delete/")
    User.objects.create_user("ada", password="pw-ada-123")
    assert visitor.client.login(username="ada", password="pw-ada-123")
    html = history(visitor.client)
    assert titles(html) and str(first.uuid) in html and str(second.uuid) not in html
    assert visitor.client.get("/chat/")["Location"] == f"/chat/{first.uuid}/"
    stranger = Client()
    assert titles(history(stranger)) == []
