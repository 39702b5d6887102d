"""The HTTP API's history: list by activity, rename (PATCH) and delete (DELETE), owner only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from chatactions.models import Conversation, Message

from .rows import snapshot
from .test_api import CONVERSATIONS, MISSING, Api

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api() -> Api:
    return Api()


def rows() -> dict[str, list[Any]]:
    return {
        **snapshot(),
        "history": list(
            Conversation.objects.order_by("pk").values_list("pk", "title", "deleted_at")
        ),
    }


def rename(api: Api, conversation_id: str, body: Any) -> Any:
    return api.client.patch(
        f"{CONVERSATIONS}{conversation_id}/", json.dumps(body), content_type="application/json"
    )


def listed(api: Api) -> list[str]:
    return [c["id"] for c in api.client.get(CONVERSATIONS).json()["results"]]


def test_the_list_is_newest_activity_first_with_titles(api: Api) -> None:
    older, newer = api.start(), api.start()
    assert listed(api) == [newer["id"], older["id"]]
    api.say(older["id"], "about my invoice")
    assert listed(api) == [older["id"], newer["id"]]
    first = api.client.get(CONVERSATIONS).json()["results"][0]
    assert (first["title"], first["display_title"]) == ("", "about my invoice")
    assert first["last_activity_at"] > newer["last_activity_at"]


def test_patch_renames_and_answers_the_conversation(api: Api) -> None:
    conversation = api.start()
    response = rename(api, conversation["id"], {"title": "  Refund   request "})
    assert response.status_code == 200
    assert response.json()["title"] == response.json()["display_title"] == "Refund request"
    assert api.client.get(conversation["url"]).json()["title"] == "Refund request"


@pytest.mark.parametrize(
    "body",
    [{"title": "x" * 201}, {"title": 5}, {"title": None}, {"title": "nul\u0000"}],
    ids=["too-long", "number", "null", "nul"],
)
def test_a_bad_title_is_a_400_that_writes_nothing(api: Api, body: Any) -> None:
    conversation = api.start()
    before = rows()
    response = rename(api, conversation["id"], body)
    assert response.status_code == 400 and "title" in response.json()
    assert rows() == before


def test_a_patch_without_a_title_changes_nothing(api: Api) -> None:
    conversation = api.start()
    rename(api, conversation["id"], {"title": "Kept"})
    before = rows()
    response = rename(api, conversation["id"], {})
    assert response.status_code == 200 and response.json()["title"] == "Kept"
    assert rows() == before


def test_delete_hides_it_from_the_api_and_keeps_its_rows(api: Api) -> None:
    kept, gone = api.start(), api.start()
    api.say(gone["id"], "delete my data")
    before = snapshot()
    response = api.client.delete(gone["url"])
    assert response.status_code == 204
    assert snapshot() == before
    assert Conversation.objects.get(uuid=gone["id"]).deleted_at is not None
    assert listed(api) == [kept["id"]]
    assert api.client.get(gone["url"]).status_code == 404
    assert api.messages(gone["id"]).status_code == 404
    assert api.say(gone["id"], "hello?").status_code == 404
    assert api.client.delete(gone["url"]).status_code == 404
    assert Message.objects.filter(conversation__uuid=gone["id"]).count() == 3


@pytest.mark.parametrize("verb", ["patch", "delete"])
def test_a_foreign_or_missing_conversation_is_404_and_writes_nothing(api: Api, verb: str) -> None:
    theirs = Api()
    foreign = theirs.start()
    api.start()
    before = rows()
    for conversation_id in (foreign["id"], MISSING, "not-a-uuid"):
        if verb == "patch":
            response = rename(api, conversation_id, {"title": "mine now"})
        else:
            response = api.client.delete(f"{CONVERSATIONS}{conversation_id}/")
        assert response.status_code == 404
        assert response.json() == {"detail": "No such conversation."}
    assert rows() == before
    assert listed(theirs) == [foreign["id"]]


def test_without_a_session_there_is_nothing_to_rename_or_delete(api: Api) -> None:
    conversation = api.start()
    before = rows()
    assert rename(Api(APIClient()), conversation["id"], {"title": "x"}).status_code == 404
    assert APIClient().delete(conversation["url"]).status_code == 404
    assert rows() == before
