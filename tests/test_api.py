"""The HTTP API through DRF's APIClient: every endpoint, every refusal."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, ParamSpec, TypeVar
from unittest.mock import ANY
from urllib.parse import urlencode

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.test import override_settings
from django.urls import include, path
from django.utils import timezone
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

import chatactions as ca
from chatactions import protocol
from chatactions.api.inputs import NOT_SPACE, STORABLE_TEXT
from chatactions.api.views import ConversationList
from chatactions.models import Action, ActionClick, Conversation, Message
from chatactions.outcome import HTTP_STATUS

from .conftest import Callbacks, Visitor
from .rows import snapshot

pytestmark = pytest.mark.django_db(transaction=True)

helpdesk = ca.ChatRegistry("helpdesk")


@helpdesk.on_chat_start
async def helpdesk_start() -> None:
    await ca.Message("Helpdesk here.").send()


@helpdesk.on_message
async def helpdesk_reply(message: ca.Message) -> None:
    raise RuntimeError("kaboom")


asker = ca.ChatRegistry("api-asker")


@asker.on_message
async def ask_first(message: ca.Message) -> None:
    picked = await ca.AskActionMessage(
        "Sure?", actions=[ca.Action("yes", "Yes")], timeout=10
    ).send()
    await ca.Message(f"You picked {picked.label if picked else 'nothing'}.").send()


urlpatterns = [
    path("helpdesk/", ConversationList.as_view(app="helpdesk")),
    path("asker/", ConversationList.as_view(app="api-asker")),
    path("api/chat/", include("chatactions.api.urls")),
    path("chat/", include("chatactions.urls")),  # the message template links its forms there
]

P = ParamSpec("P")
R = TypeVar("R")

CONVERSATIONS = "/api/chat/conversations/"
MISSING = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
GREETING = "Hello! I can pretend to delete data. Try typing 'delete my data'."
QUESTION = "Are you sure you want to delete your data?"
CONFIRMED = "Okay, deleting 'important_data.txt' for user123... (Not really!)"


@dataclass
class Api:
    """One API client (a browser's cookies, or a mobile app's) with the chapter's verbs."""

    client: APIClient = field(default_factory=APIClient)

    def start(self) -> dict[str, Any]:
        response = self.client.post(CONVERSATIONS)
        assert response.status_code == 201, response.content
        return dict(response.json())

    def messages(self, conversation_id: str, after: str | None = None) -> Any:
        query = {} if after is None else {"after": after}
        return self.client.get(f"{CONVERSATIONS}{conversation_id}/messages/", query)

    def contents(self, conversation_id: str) -> list[str]:
        return [m["content"] for m in self.messages(conversation_id).json()["results"]]

    def say(self, conversation_id: str, content: Any) -> Any:
        # json.dumps escapes what a client may send but cannot encode (a lone surrogate).
        return self.client.post(
            f"{CONVERSATIONS}{conversation_id}/messages/",
            json.dumps({"content": content}),
            content_type="application/json",
        )

    def click(self, conversation_id: str, action_id: str) -> Any:
        return self.client.post(f"{CONVERSATIONS}{conversation_id}/actions/{action_id}/click/")

    def ask(self) -> tuple[str, dict[str, Any]]:
        """Start a chat, say "delete my data", and return the conversation id and question."""
        conversation = self.start()["id"]
        self.say(conversation, "delete my data")
        return conversation, self.messages(conversation).json()["results"][-1]


@pytest.fixture
def api() -> Api:
    return Api()


def send(conversation_id: str, content: str, actions: list[ca.Action]) -> ca.Message:
    conversation = Conversation.objects.get(uuid=conversation_id)
    return async_to_sync(ca.Message(content, actions=actions, conversation=conversation).send)()


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


# Conversations ------------------------------------------------------------------


def test_start_creates_a_conversation_you_own_and_runs_on_chat_start(api: Api) -> None:
    response = api.client.post(CONVERSATIONS)
    body = response.json()
    conversation = Conversation.objects.get()
    assert response.status_code == 201
    assert body["id"] == str(conversation.uuid)
    assert response["Location"] == body["url"] == f"http://testserver{CONVERSATIONS}{body['id']}/"
    assert body["messages"] == f"{body['url']}messages/"
    assert body["socket"] == f"/ws/chat/{body['id']}/"
    assert conversation.visitor is not None and conversation.user is None
    assert "sessionid" in api.client.cookies  # the session that owns it was written
    assert api.contents(body["id"]) == [GREETING]


def test_list_shows_only_your_conversations_newest_first(api: Api) -> None:
    first, second = api.start(), api.start()
    Api().start()
    body = api.client.get(CONVERSATIONS).json()
    assert [c["id"] for c in body["results"]] == [second["id"], first["id"]]
    assert body["next"] is None


def test_list_without_a_session_is_empty_and_creates_nothing(api: Api) -> None:
    api.start()
    response = APIClient().get(CONVERSATIONS)
    assert response.status_code == 200 and response.json()["results"] == []
    assert Conversation.objects.count() == 1


def test_list_pages_with_a_cursor(api: Api) -> None:
    conversation = Conversation.objects.get(uuid=api.start()["id"])
    now = timezone.now()
    Conversation.objects.bulk_create(
        Conversation(visitor=conversation.visitor, created_at=at, last_activity_at=at)
        for at in (now - timedelta(minutes=i) for i in range(1, 52))
    )
    page = api.client.get(CONVERSATIONS).json()
    rest = api.client.get(page["next"]).json()
    assert len(page["results"]) == 50 and len(rest["results"]) == 2
    assert page["results"][0]["id"] == str(conversation.uuid)
    assert rest["next"] is None


def test_get_one_conversation(api: Api) -> None:
    started = api.start()
    response = api.client.get(started["url"])
    assert response.status_code == 200 and response.json() == started


@override_settings(ROOT_URLCONF=__name__)
def test_a_conversation_list_view_can_start_conversations_of_another_app(api: Api) -> None:
    started = api.client.post("/helpdesk/").json()
    assert started["app"] == "helpdesk"
    assert Conversation.objects.get().app == "helpdesk"
    assert api.contents(started["id"]) == ["Helpdesk here."]


@pytest.mark.parametrize("suffix", ["", "messages/"])
def test_foreign_conversation_is_404_exactly_like_a_missing_one(api: Api, suffix: str) -> None:
    theirs = Api().start()["id"]
    api.start()
    foreign = api.client.get(f"{CONVERSATIONS}{theirs}/{suffix}")
    missing = api.client.get(f"{CONVERSATIONS}{MISSING}/{suffix}")
    malformed = api.client.get(f"{CONVERSATIONS}not-a-uuid/{suffix}")
    assert foreign.status_code == missing.status_code == malformed.status_code == 404
    assert foreign.json() == missing.json() == malformed.json()
    assert foreign.json() == {"detail": "No such conversation."}


def test_conversation_without_a_session_is_404(api: Api) -> None:
    started = api.start()
    assert APIClient().get(started["url"]).status_code == 404


def test_logged_in_user_owns_conversations_in_every_client() -> None:
    user = User.objects.create_user("ada", password="pw")
    laptop, phone = APIClient(), APIClient()
    laptop.force_login(user)
    phone.force_login(user)
    started = Api(laptop).start()
    assert Conversation.objects.get().user == user
    assert phone.get(started["url"]).status_code == 200
    assert APIClient().get(started["url"]).status_code == 404


def test_basic_auth_needs_no_csrf_token() -> None:
    User.objects.create_user("ada", password="pw")
    client = APIClient(enforce_csrf_checks=True, HTTP_AUTHORIZATION=basic("ada", "pw"))
    response = client.post(CONVERSATIONS)
    assert response.status_code == 201
    user = Conversation.objects.get().user
    assert user is not None
    assert user.username == "ada"


def test_without_anonymous_chats_a_visitor_is_refused_and_nothing_is_created(
    settings: Settings,
) -> None:
    settings.CHATACTIONS = {"ALLOW_ANONYMOUS": False}
    client = APIClient()
    assert client.post(CONVERSATIONS).status_code == 403
    assert client.get(CONVERSATIONS).status_code == 403
    assert not Conversation.objects.exists()


def cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


@pytest.mark.parametrize(
    "forged",
    [
        "garbage",
        "é",
        cursor("p=not-a-date"),
        cursor("p=' OR 1=1--"),
        cursor("p=2026-01-01 00:00:00"),  # a time without its offset: never one of ours
        cursor("p=2026-13-45 25:61:00+00:00"),
        cursor("p=0001-01-01 00:00:00+23:59"),  # before the year 1 in UTC
        cursor("o=-1&p=2026-01-01 00:00:00+00:00"),
        cursor("r=x"),
    ],
)
def test_a_forged_cursor_is_404_with_a_clear_message_and_changes_nothing(
    api: Api, forged: str
) -> None:
    api.start()
    before = snapshot()
    response = api.client.get(CONVERSATIONS, {"cursor": forged})
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid cursor: use a next or previous link as it came."}
    assert snapshot() == before


@pytest.mark.parametrize("offset", [0, 120])
def test_a_cursor_position_with_its_offset_is_read_in_any_zone(api: Api, offset: int) -> None:
    conversation = Conversation.objects.get(uuid=api.start()["id"])
    conversation.created_at = conversation.last_activity_at = timezone.now() - timedelta(hours=3)
    conversation.save()
    newer = Conversation.objects.create(visitor=conversation.visitor)
    hour_ago = (timezone.now() - timedelta(hours=1)).astimezone(
        timezone.get_fixed_timezone(offset)
    )
    response = api.client.get(
        CONVERSATIONS, {"cursor": cursor(urlencode({"p": hour_ago.isoformat()}))}
    )
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [str(conversation.uuid)]
    assert newer.created_at > hour_ago


# Messages -----------------------------------------------------------------------


def test_messages_carry_their_buttons_but_never_a_payload(api: Api) -> None:
    conversation, question = api.ask()
    assert question["content"] == QUESTION
    assert set(question) == {
        "id",
        "author",
        "from_user",
        "content",
        "content_html",
        "actions",
        "created_at",
        "updated_at",
        "stream",
    }
    assert [a["label"] for a in question["actions"]] == ["Confirm Deletion", "Cancel"]
    first = Action.objects.first()
    assert first is not None
    assert set(question["actions"][0]) == set(protocol.action_fields(first))
    raw = api.messages(conversation).content.decode()
    assert "payload" not in raw and "important_data" not in raw and "user123" not in raw


def test_messages_after_a_message_list_only_what_came_later(api: Api) -> None:
    conversation = api.start()["id"]
    greeting = api.messages(conversation).json()["results"][0]
    api.say(conversation, "hello")
    body = api.messages(conversation, after=greeting["id"]).json()
    assert [m["content"] for m in body["results"]] == [
        "hello",
        "Sorry, I didn't understand that. Try 'delete my data'.",
    ]
    assert [m["from_user"] for m in body["results"]] == [True, False]
    assert body["has_more"] is False


def test_next_points_after_the_last_message_and_stays_put_when_nothing_is_new(api: Api) -> None:
    conversation = api.start()["id"]
    body = api.messages(conversation).json()
    last = body["results"][-1]["id"]
    assert body["next"].endswith(f"/messages/?after={last}")
    caught_up = api.client.get(body["next"]).json()
    assert caught_up["results"] == [] and caught_up["next"] == body["next"]


def test_a_page_at_the_sync_limit_says_there_is_more(api: Api, settings: Settings) -> None:
    conversation = api.start()["id"]
    api.say(conversation, "one")
    settings.CHATACTIONS = {"SYNC_LIMIT": 2}
    first = api.messages(conversation).json()
    rest = api.client.get(first["next"]).json()
    assert [m["content"] for m in first["results"]] == [GREETING, "one"]
    assert first["has_more"] is True
    assert len(rest["results"]) == 1 and rest["has_more"] is False


def test_messages_leave_out_removed_buttons(api: Api) -> None:
    conversation, question = api.ask()
    Action.objects.filter(uuid=question["actions"][0]["id"]).update(removed_at=timezone.now())
    again = api.messages(conversation).json()["results"][-1]
    assert [a["label"] for a in again["actions"]] == ["Cancel"]


def test_messages_after_an_unknown_message_is_404(api: Api) -> None:
    conversation = api.start()["id"]
    response = api.messages(conversation, after=MISSING)
    assert response.status_code == 404 and response.json() == {"detail": "No such message."}


def test_messages_after_another_conversations_message_is_404(api: Api) -> None:
    conversation = api.start()["id"]
    theirs = Api()
    their_first = theirs.messages(theirs.start()["id"]).json()["results"][0]["id"]
    assert api.messages(conversation, after=their_first).status_code == 404


@pytest.mark.parametrize("after", ["not-a-uuid", ""])
def test_messages_after_a_malformed_id_is_400(api: Api, after: str) -> None:
    conversation = api.start()["id"]
    response = api.messages(conversation, after=after)
    assert response.status_code == 400 and "after" in response.json()


def test_writing_runs_on_message_and_links_to_the_replies(api: Api) -> None:
    conversation = api.start()["id"]
    response = api.say(conversation, "delete my data")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok" and body["detail"] == "" and body["notice"] == ""
    replies = api.client.get(body["replies"]).json()["results"]
    assert [m["content"] for m in replies] == ["delete my data", QUESTION]
    assert replies[0]["author"] == "You" and replies[0]["from_user"] is True


def test_writing_to_a_foreign_conversation_is_404_and_writes_nothing(api: Api) -> None:
    theirs = Api().start()["id"]
    api.start()
    before = Message.objects.count()
    foreign = api.say(theirs, "hi")
    missing = api.say(MISSING, "hi")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert Message.objects.count() == before


@pytest.mark.parametrize(
    "content",
    [None, "", "   \n\t", "\x85\u3000", 5, ["hi"], {"text": "hi"}, "a\x00b", "\ud800"],
    ids=[
        "null",
        "empty",
        "blank",
        "unicode-blank",
        "number",
        "list",
        "object",
        "nul-char",
        "lone-surrogate",
    ],
)
def test_a_malformed_message_is_400_and_nothing_is_written(api: Api, content: object) -> None:
    conversation = api.start()["id"]
    response = api.say(conversation, content)
    assert response.status_code == 400 and "content" in response.json()
    assert api.contents(conversation) == [GREETING]


def test_the_schemas_not_blank_pattern_is_exactly_what_strip_keeps() -> None:
    assert not [
        c
        for c in range(sys.maxunicode + 1)
        if (re.search(NOT_SPACE, chr(c)) is None) != chr(c).isspace()
    ]


def test_the_schemas_content_pattern_is_not_blank_and_has_no_nul() -> None:
    accepted = [c for c in range(0x3100) if re.search(STORABLE_TEXT, chr(c))]
    assert accepted == [c for c in range(0x3100) if c and not chr(c).isspace()]
    assert re.search(STORABLE_TEXT, "a b\nc") and re.search(STORABLE_TEXT, "ok\n")
    assert not re.search(STORABLE_TEXT, "a\x00b") and not re.search(STORABLE_TEXT, "ab\x00\n")


def test_a_body_without_content_is_400_and_nothing_is_written(api: Api) -> None:
    conversation = api.start()["id"]
    response = api.client.post(f"{CONVERSATIONS}{conversation}/messages/", {}, format="json")
    assert response.status_code == 400
    assert api.contents(conversation) == [GREETING]


def test_a_message_over_max_message_length_is_400_and_nothing_is_written(
    api: Api, settings: Settings
) -> None:
    conversation = api.start()["id"]
    settings.CHATACTIONS = {"MAX_MESSAGE_LENGTH": 5}
    assert api.say(conversation, "12345").status_code == 200
    response = api.say(conversation, "123456")
    assert response.status_code == 400
    assert response.json() == {"content": ["Ensure this field has no more than 5 characters."]}
    assert api.contents(conversation)[1:] == [
        "12345",
        "Sorry, I didn't understand that. Try 'delete my data'.",
    ]


def test_a_body_over_max_frame_bytes_is_413_and_nothing_is_written(
    api: Api, settings: Settings
) -> None:
    conversation = api.start()["id"]
    settings.CHATACTIONS = {"MAX_FRAME_BYTES": 64}
    response = api.say(conversation, "x" * 60)
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body is larger than 64 bytes."}
    assert Message.objects.count() == 1


def test_a_body_that_is_not_json_is_refused_and_nothing_is_written(api: Api) -> None:
    conversation = api.start()["id"]
    url = f"{CONVERSATIONS}{conversation}/messages/"
    form = api.client.post(url, {"content": "hi"})  # multipart, as a browser form would
    broken = api.client.post(url, "{not json", content_type="application/json")
    assert form.status_code == 415 and broken.status_code == 400
    assert api.contents(conversation) == [GREETING]


def test_a_malformed_content_length_reads_as_no_body(api: Api) -> None:
    conversation = api.start()["id"]
    response = api.client.post(
        f"{CONVERSATIONS}{conversation}/messages/",
        json.dumps({"content": "hi"}),
        content_type="application/json",
        CONTENT_LENGTH="lots",
    )
    assert response.status_code == 400
    assert api.contents(conversation) == [GREETING]


@override_settings(ROOT_URLCONF=__name__)
def test_on_message_that_raises_answers_500_and_the_message_is_kept() -> None:
    api = Api()
    conversation = api.client.post("/helpdesk/").json()["id"]
    response = api.say(conversation, "hello")
    assert response.status_code == 500
    assert response.json()["status"] == "error"
    assert "kaboom" not in response.content.decode()  # DEBUG is off
    assert api.contents(conversation) == ["Helpdesk here.", "hello"]


# Clicks -------------------------------------------------------------------------


def test_click_runs_the_callback_through_dispatch_and_is_audited_as_api(api: Api) -> None:
    conversation, question = api.ask()
    response = api.click(conversation, question["actions"][0]["id"])
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok" and body["detail"] == ""
    replies = api.client.get(body["replies"]).json()["results"]
    assert [m["content"] for m in replies] == [CONFIRMED]
    click = ActionClick.objects.get()
    assert (click.via, click.outcome, click.action.name) == ("api", "ok", "confirm_delete")
    assert click.visitor == Conversation.objects.get(uuid=conversation).visitor


def test_click_answer_carries_the_callbacks_notice(api: Api, callbacks: Callbacks) -> None:
    @callbacks("notify")
    def notify(action: ca.Action) -> str:
        return f"noted {action.payload['n']}"

    conversation = api.start()["id"]
    message = send(conversation, "x", [ca.Action("notify", payload={"n": 7})])
    body = api.click(conversation, str(message.actions[0].id)).json()
    assert body["status"] == "ok" and body["notice"] == "noted 7"


def test_click_on_a_removed_button_is_410_gone(api: Api) -> None:
    conversation, question = api.ask()
    Action.objects.filter(uuid=question["actions"][1]["id"]).update(removed_at=timezone.now())
    response = api.click(conversation, question["actions"][1]["id"])
    assert response.status_code == 410
    assert response.json()["status"] == "gone"
    assert api.contents(conversation)[-1] == QUESTION  # the callback did not run
    assert ActionClick.objects.get().outcome == "gone"


def test_click_while_another_click_runs_is_409_busy_and_runs_nothing(api: Api) -> None:
    conversation, question = api.ask()
    action = Action.objects.get(uuid=question["actions"][1]["id"])
    action.claimed_until = timezone.now() + timedelta(seconds=30)  # a click elsewhere holds it
    action.save()
    response = api.click(conversation, question["actions"][1]["id"])
    assert response.status_code == 409
    assert response.json() | {"replies": None} == {
        "status": "busy",
        "detail": "This action is already running.",
        "notice": "",
        "replies": None,
    }
    assert api.contents(conversation)[-1] == QUESTION


def test_click_whose_callback_raises_is_500_with_a_generic_detail(
    api: Api, callbacks: Callbacks
) -> None:
    @callbacks("boom")
    async def boom(action: ca.Action) -> None:
        raise RuntimeError("kaboom")

    conversation = api.start()["id"]
    message = send(conversation, "x", [ca.Action("boom")])
    response = api.click(conversation, str(message.actions[0].id))
    assert response.status_code == 500
    assert response.json()["status"] == "error"
    assert response.json()["detail"] == "Something went wrong."
    assert "kaboom" in ActionClick.objects.get().error
    assert Action.objects.get().claimed_until is None  # released: it can be clicked again


def test_click_on_a_foreign_action_is_404_exactly_like_a_missing_one_and_runs_nothing(
    api: Api,
) -> None:
    stranger = Api()
    theirs, question = stranger.ask()
    mine = api.start()["id"]
    confirm = question["actions"][0]["id"]
    answers = [
        api.click(theirs, confirm),  # their conversation, their button
        api.click(mine, confirm),  # my conversation, their button
        api.click(mine, MISSING),
        api.click(MISSING, MISSING),
        api.click("not-a-uuid", confirm),
        api.click(mine, "x" * 300),
        APIClient().post(f"{CONVERSATIONS}{theirs}/actions/{confirm}/click/"),  # no session
    ]
    assert {a.status_code for a in answers} == {404}
    assert {a.content for a in answers} == {
        b'{"status":"not_found","detail":"No such action.","notice":"","replies":null}'
    }
    assert stranger.contents(theirs)[-1] == QUESTION
    assert set(ActionClick.objects.values_list("outcome", flat=True)) == {"not_found"}


def test_click_refuses_get(api: Api) -> None:
    conversation, question = api.ask()
    url = f"{CONVERSATIONS}{conversation}/actions/{question['actions'][0]['id']}/click/"
    assert api.client.get(url).status_code == 405
    assert not ActionClick.objects.exists()


def test_the_chapters_flow_over_http(api: Api) -> None:
    conversation = api.start()["id"]
    assert api.contents(conversation) == [GREETING]
    said = api.say(conversation, "delete my data").json()
    question = api.client.get(said["replies"]).json()["results"][-1]
    confirm = next(a for a in question["actions"] if a["label"] == "Confirm Deletion")
    clicked = api.click(conversation, confirm["id"]).json()
    assert clicked["status"] == "ok"
    assert [m["content"] for m in api.client.get(clicked["replies"]).json()["results"]] == [
        CONFIRMED
    ]


def test_no_answer_ever_carries_a_payload(api: Api, callbacks: Callbacks) -> None:
    @callbacks("secretive")
    async def secretive(action: ca.Action) -> None:
        await ca.Message("done", actions=[ca.Action("secretive", payload=action.payload)]).send()

    conversation = api.start()["id"]
    secret = {"token": "s3cr3t-value"}
    message = send(conversation, "x", [ca.Action("secretive", payload=secret)])
    answers = [
        api.click(conversation, str(message.actions[0].id)),
        api.messages(conversation),
        api.client.get(CONVERSATIONS),
        api.client.get(f"{CONVERSATIONS}{conversation}/"),
        api.say(conversation, "hi"),
    ]
    for answer in answers:
        assert b"s3cr3t-value" not in answer.content and b"payload" not in answer.content


# CSRF ---------------------------------------------------------------------------


def csrf_token(client: APIClient) -> str:
    client.get(CONVERSATIONS)
    return str(client.cookies["csrftoken"].value)


def test_any_get_hands_out_the_csrf_cookie() -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.get(CONVERSATIONS)
    assert client.cookies["csrftoken"].value


def test_a_visitor_cannot_start_without_the_csrf_token() -> None:
    client = APIClient(enforce_csrf_checks=True)
    response = client.post(CONVERSATIONS)
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    assert not Conversation.objects.exists()


def test_a_visitor_with_the_csrf_token_can_start() -> None:
    client = APIClient(enforce_csrf_checks=True)
    response = client.post(CONVERSATIONS, HTTP_X_CSRFTOKEN=csrf_token(client))
    assert response.status_code == 201


def test_session_writes_without_the_csrf_token_are_403_and_write_nothing(api: Api) -> None:
    conversation, question = api.ask()
    strict = APIClient(enforce_csrf_checks=True)
    strict.cookies = api.client.cookies
    said = strict.post(
        f"{CONVERSATIONS}{conversation}/messages/", {"content": "hi"}, format="json"
    )
    clicked = strict.post(
        f"{CONVERSATIONS}{conversation}/actions/{question['actions'][0]['id']}/click/"
    )
    assert said.status_code == clicked.status_code == 403
    assert api.contents(conversation)[-1] == QUESTION
    assert not ActionClick.objects.exists()
    token = csrf_token(strict)
    ok = strict.post(
        f"{CONVERSATIONS}{conversation}/actions/{question['actions'][0]['id']}/click/",
        HTTP_X_CSRFTOKEN=token,
    )
    assert ok.status_code == 200


def test_a_logged_in_session_write_needs_the_csrf_token_too() -> None:
    user = User.objects.create_user("ada", password="pw")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(CONVERSATIONS).status_code == 403
    assert client.post(CONVERSATIONS, HTTP_X_CSRFTOKEN=csrf_token(client)).status_code == 201


# Throttling ---------------------------------------------------------------------


def test_requests_over_the_rate_limit_are_429_with_retry_after(
    api: Api, settings: Settings
) -> None:
    conversation = api.start()["id"]
    settings.CHATACTIONS = {"RATE_LIMIT": 3, "RATE_LIMIT_PERIOD": 60}
    assert [api.messages(conversation).status_code for _ in range(3)] == [200, 200, 200]
    refused = api.messages(conversation)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60


def test_a_throttled_message_is_not_written(api: Api, settings: Settings) -> None:
    conversation = api.start()["id"]
    settings.CHATACTIONS = {"RATE_LIMIT": 1, "RATE_LIMIT_PERIOD": 60}
    assert api.say(conversation, "one").status_code == 200
    assert api.say(conversation, "two").status_code == 429
    assert not Message.objects.filter(content="two").exists()


def test_the_rate_limit_is_per_requester(api: Api, settings: Settings) -> None:
    conversation = api.start()["id"]
    other = Api()
    theirs = other.start()["id"]
    settings.CHATACTIONS = {"RATE_LIMIT": 1, "RATE_LIMIT_PERIOD": 60}
    assert api.messages(conversation).status_code == 200
    assert api.messages(conversation).status_code == 429
    assert other.messages(theirs).status_code == 200


def test_a_client_without_a_session_is_limited_by_its_address(settings: Settings) -> None:
    settings.CHATACTIONS = {"RATE_LIMIT": 1, "RATE_LIMIT_PERIOD": 60}
    assert APIClient().get(CONVERSATIONS).status_code == 200
    assert APIClient().get(CONVERSATIONS).status_code == 429


def test_rate_limit_zero_turns_throttling_off(api: Api, settings: Settings) -> None:
    settings.CHATACTIONS = {"RATE_LIMIT": 0, "RATE_LIMIT_PERIOD": 60}
    conversation = api.start()["id"]
    assert {api.messages(conversation).status_code for _ in range(40)} == {200}


# Live: an HTTP click reaches open sockets ------------------------------------------


async def test_an_http_click_reaches_open_sockets_live() -> None:
    visitor = Visitor(client=APIClient())
    conversation = await sync_to_async(visitor.start)()
    socket = visitor.socket(conversation)
    await socket.connect()
    message = await ca.Message(
        "pick", actions=[ca.Action("cancel_delete", "Cancel")], conversation=conversation
    ).send()
    assert (await socket.receive())["content"] == "pick"
    response = await sync_to_async(visitor.client.post)(
        f"{CONVERSATIONS}{conversation.uuid}/actions/{message.actions[0].id}/click/"
    )
    assert response.status_code == 200
    frame = await socket.receive()
    assert frame["type"] == "message" and frame["content"] == "Deletion cancelled."
    assert await socket.receive() == {
        "type": "action.remove",
        "id": str(message.actions[0].id),
        "seq": ANY,
    }
    assert await socket.nothing_more()  # no ack: the socket did not send the click
    await socket.close()


async def test_an_http_message_reaches_open_sockets_live() -> None:
    visitor = Visitor(client=APIClient())
    conversation = await sync_to_async(visitor.start)()
    socket = visitor.socket(conversation)
    await socket.connect()
    response = await sync_to_async(visitor.client.post)(
        f"{CONVERSATIONS}{conversation.uuid}/messages/",
        {"content": "delete my data"},
        format="json",
    )
    assert response.status_code == 200
    echo, question = await socket.receive(), await socket.receive()
    assert (echo["content"], echo["from_user"]) == ("delete my data", True)
    assert question["content"] == QUESTION and len(question["actions"]) == 2
    await socket.close()


@override_settings(ROOT_URLCONF=__name__)
async def test_a_question_asked_during_an_http_message_is_answered_by_an_http_click() -> None:
    """The POST waits for on_message, which waits for a pick made from another request."""
    client = APIClient()
    visitor = Visitor(client=client)
    started = await sync_to_async(visitor.client.post)("/asker/")
    conversation = started.json()["id"]
    # A socket only tells the test when the question is saved: the in-memory test
    # database locks whole tables, so polling it while the POST writes would fail.
    socket = visitor.socket(conversation)
    await socket.connect()
    other = Api()
    other.client.cookies = visitor.client.cookies  # the same visitor, another request

    def in_thread(func: Callable[P, R]) -> Callable[P, Coroutine[Any, Any, R]]:
        return sync_to_async(func, thread_sensitive=False)

    said = asyncio.ensure_future(in_thread(Api(client).say)(conversation, "go"))
    await socket.receive()  # the echo of "go"
    assert (await socket.receive())["content"] == "Sure?"
    question = (await in_thread(other.messages)(conversation)).json()["results"][-1]
    clicked = await in_thread(other.click)(conversation, question["actions"][0]["id"])
    assert clicked.status_code == 200 and clicked.json()["status"] == "ok"
    assert (await asyncio.wait_for(said, 5)).status_code == 200
    contents = await in_thread(other.contents)(conversation)
    assert contents == ["go", "Sure?", "You picked Yes."]
    await socket.close()


# Schema and docs ----------------------------------------------------------------


def test_the_schema_is_openapi_3_with_every_endpoint() -> None:
    response = APIClient().get("/api/schema/", {"format": "json"})
    schema = json.loads(response.content)
    assert response.status_code == 200 and schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        "/api/chat/conversations/",
        "/api/chat/conversations/{conversation_id}/",
        "/api/chat/conversations/{conversation_id}/messages/",
        "/api/chat/conversations/{conversation_id}/stop/",
        "/api/chat/conversations/{conversation_id}/actions/{action_id}/click/",
        "/api/chat/conversations/{conversation_id}/forms/{form_id}/submit/",
    }
    click = schema["paths"]["/api/chat/conversations/{conversation_id}/actions/{action_id}/click/"]
    assert set(click["post"]["responses"]) >= {"200", "404", "409", "410", "500", "403", "429"}
    action = schema["components"]["schemas"]["Action"]["properties"]
    assert set(action) == set(protocol.action_fields(Action()))  # no payload


def test_docs_http_api_names_every_operation_and_outcome() -> None:
    doc = (Path(__file__).parent.parent / "docs" / "http-api.md").read_text()
    schema = json.loads(APIClient().get("/api/schema/", {"format": "json"}).content)
    for route, operations in schema["paths"].items():
        documented = re.sub(r"\{(\w+)_id\}", lambda m: f"<{m[1].replace('_', ' ')} id>", route)
        documented = documented.replace("<conversation id>", "<id>")
        for method in operations:
            assert f"{method.upper()} {documented}" in doc
    for status, code in HTTP_STATUS.items():
        if status != protocol.INVALID:  # the body check refuses such a message first
            assert f"| `{status}` | {code} |" in doc


def test_the_docs_page_loads_every_asset_from_this_site() -> None:
    client = APIClient()
    page = client.get("/api/docs/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets)
    for asset in assets:
        if asset.startswith("/static/"):
            assert finders.find(asset.removeprefix("/static/")), asset
    script = next(a for a in assets if "script" in a and not a.startswith("/static/"))
    init = client.get(script.replace("&amp;", "&")).content.decode()
    assert "/api/schema/" in init and not re.search(r"https?://", init)
