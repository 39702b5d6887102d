"""Approvals by the other two doors: the no-JavaScript page and the HTTP API."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

import chatactions as ca
from chatactions.models import ActionClick, Approval, Conversation

from .approvals import ARGUMENTS, DELETE_FILE_SCHEMA, answer_ids, approval_callbacks
from .conftest import Callbacks, Visitor
from .rows import snapshot

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["approval_callbacks"]


def ask(conversation: Conversation | str) -> ca.Approval:
    return ca.Approval(
        "The assistant wants to delete a file.",
        tool="t_delete_file",
        arguments=ARGUMENTS,
        schema=DELETE_FILE_SCHEMA,
        conversation=conversation,
    ).send_sync()


def page_ids(visitor: Visitor, conversation: Conversation) -> dict[str, str]:
    page = visitor.client.get(f"/chat/{conversation.uuid}/").content.decode()
    return answer_ids(page)


# The page, without JavaScript --------------------------------------------------------


def test_the_page_draws_the_three_answers_as_plain_forms_with_csrf(visitor: Visitor) -> None:
    conversation = visitor.start()
    ask(conversation)
    page = visitor.client.get(f"/chat/{conversation.uuid}/").content.decode()
    ids = answer_ids(page)
    assert set(ids) == {"approve", "edit", "reject"}
    base = f"/chat/{conversation.uuid}"
    assert f'action="{base}/actions/{ids["approve"]}/click/"' in page
    assert f'action="{base}/forms/{ids["edit"]}/submit/"' in page
    assert f'action="{base}/forms/{ids["reject"]}/submit/"' in page
    assert page.count('name="csrfmiddlewaretoken"') >= 4  # the three answers and the composer
    assert "ca-action--danger ca-form-submit" in page  # Reject is drawn as the risky one


def test_approve_by_a_plain_post_runs_the_callback(
    visitor: Visitor, approval_callbacks: Callbacks
) -> None:
    seen: list[ca.Decision] = []
    approval_callbacks("t_delete_file")(seen.append)
    conversation = visitor.start()
    approval = ask(conversation)
    ids = page_ids(visitor, conversation)
    response = visitor.client.post(f"/chat/{conversation.uuid}/actions/{ids['approve']}/click/")
    assert response.status_code == 302
    assert [(d.outcome, d.arguments, d.via) for d in seen] == [("approved", ARGUMENTS, "form")]
    page = visitor.client.get(f"/chat/{conversation.uuid}/").content.decode()
    assert "<strong>Approved.</strong>" in page and answer_ids(page) == {}
    assert Approval.objects.get(uuid=approval.id).via == "form"


def test_an_invalid_edit_by_post_comes_back_with_errors_then_a_valid_one_runs(
    visitor: Visitor, approval_callbacks: Callbacks
) -> None:
    seen: list[ca.Decision] = []
    approval_callbacks("t_delete_file")(seen.append)
    conversation = visitor.start()
    ask(conversation)
    ids = page_ids(visitor, conversation)
    url = f"/chat/{conversation.uuid}/forms/{ids['edit']}/submit/"
    before = snapshot()
    response = visitor.client.post(url, {"path": "", "keep_days": "-1"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page
    assert "Ensure this value is greater than or equal to 0." in page
    assert 'value="-1"' in page  # what was typed is kept
    after = snapshot()
    assert seen == [] and after["approvals"] == before["approvals"]
    assert after["actions"] == before["actions"]
    response = visitor.client.post(url, {"path": "notes.txt", "recursive": "on"})
    assert response.status_code == 302
    assert [d.arguments for d in seen] == [{"path": "notes.txt", "recursive": True}]


def test_reject_by_post_with_a_reason(visitor: Visitor, approval_callbacks: Callbacks) -> None:
    seen: list[ca.Decision] = []
    approval_callbacks("t_delete_file")(seen.append)
    conversation = visitor.start()
    ask(conversation)
    ids = page_ids(visitor, conversation)
    response = visitor.client.post(
        f"/chat/{conversation.uuid}/forms/{ids['reject']}/submit/", {"reason": "Keep it."}
    )
    assert response.status_code == 302
    assert [(d.outcome, d.reason) for d in seen] == [("rejected", "Keep it.")]


def test_a_foreign_post_is_404_and_changes_nothing(
    visitor: Visitor, approval_callbacks: Callbacks
) -> None:
    seen: list[ca.Decision] = []
    approval_callbacks("t_delete_file")(seen.append)
    conversation = visitor.start()
    ask(conversation)
    ids = page_ids(visitor, conversation)
    stranger = Visitor()
    stranger.start()
    before = snapshot()
    base = f"/chat/{conversation.uuid}"
    for url, data in (
        (f"{base}/actions/{ids['approve']}/click/", {}),
        (f"{base}/forms/{ids['edit']}/submit/", {"path": "x"}),
        (f"{base}/forms/{ids['reject']}/submit/", {}),
    ):
        assert stranger.client.post(url, data).status_code == 404
    after = snapshot()
    assert seen == [] and after["approvals"] == before["approvals"]
    assert after["actions"] == before["actions"]


# The HTTP API --------------------------------------------------------------------------


@pytest.fixture
def api() -> tuple[APIClient, str, dict[str, Any]]:
    client = APIClient()
    conversation = client.post("/api/chat/conversations/").json()["id"]
    ask(conversation)
    messages = client.get(f"/api/chat/conversations/{conversation}/messages/").json()
    answers = {a["name"]: a for a in messages["results"][-1]["actions"]}
    return client, conversation, answers


def test_the_api_lists_the_three_answers_by_name_and_kind(
    api: tuple[APIClient, str, dict[str, Any]],
) -> None:
    _, _, answers = api
    assert {name: a["kind"] for name, a in answers.items()} == {
        "chatactions:approve": "button",
        "chatactions:edit": "form",
        "chatactions:reject": "form",
    }


def test_an_edit_through_the_api_is_validated_then_runs(
    api: tuple[APIClient, str, dict[str, Any]], approval_callbacks: Callbacks
) -> None:
    client, conversation, answers = api
    seen: list[ca.Decision] = []
    approval_callbacks("t_delete_file")(seen.append)
    url = (
        f"/api/chat/conversations/{conversation}/forms/{answers['chatactions:edit']['id']}/submit/"
    )
    before = snapshot()
    bad = client.post(url, {"data": {"path": "x", "mode": "melt"}}, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"] == {
        "mode": ["Select a valid choice. melt is not one of the available choices."]
    }
    assert seen == [] and snapshot()["approvals"] == before["approvals"]
    good = client.post(url, {"data": {"path": "x", "recursive": True}}, format="json")
    assert good.status_code == 200 and good.json()["status"] == "ok"
    assert [(d.outcome, d.arguments, d.via) for d in seen] == [
        ("edited", {"path": "x", "recursive": True}, "api")
    ]
    approve = answers["chatactions:approve"]["id"]
    again = f"/api/chat/conversations/{conversation}/actions/{approve}/click/"
    assert client.post(again).status_code == 410  # decided: the other answers are gone
    assert len(seen) == 1
    assert (
        ActionClick.objects.filter(action__uuid=answers["chatactions:approve"]["id"]).get().outcome
        == "gone"
    )


def test_approve_and_reject_through_the_api(approval_callbacks: Callbacks) -> None:
    seen: list[ca.Decision] = []
    approval_callbacks("t_delete_file")(seen.append)
    for name, data, outcome in (
        ("chatactions:approve", None, "approved"),
        ("chatactions:reject", {"reason": "no"}, "rejected"),
    ):
        client = APIClient()
        conversation = client.post("/api/chat/conversations/").json()["id"]
        ask(conversation)
        listed = client.get(f"/api/chat/conversations/{conversation}/messages/").json()
        answer = next(a for a in listed["results"][-1]["actions"] if a["name"] == name)
        base = f"/api/chat/conversations/{conversation}"
        if data is None:
            response = client.post(f"{base}/actions/{answer['id']}/click/")
        else:
            response = client.post(
                f"{base}/forms/{answer['id']}/submit/", {"data": data}, format="json"
            )
        assert response.status_code == 200, response.json()
        assert seen[-1].outcome == outcome
    assert [d.reason for d in seen] == ["", "no"]


def test_a_foreign_api_client_gets_404_and_changes_nothing(
    api: tuple[APIClient, str, dict[str, Any]], approval_callbacks: Callbacks
) -> None:
    _, conversation, answers = api
    seen: list[ca.Decision] = []
    approval_callbacks("t_delete_file")(seen.append)
    stranger = APIClient()
    stranger.post("/api/chat/conversations/")
    before = snapshot()
    base = f"/api/chat/conversations/{conversation}"
    assert (
        stranger.post(f"{base}/actions/{answers['chatactions:approve']['id']}/click/").status_code
        == 404
    )
    response = stranger.post(
        f"{base}/forms/{answers['chatactions:reject']['id']}/submit/", {"data": {}}, format="json"
    )
    assert response.status_code == 404
    after = snapshot()
    assert seen == [] and {k: v for k, v in after.items() if k != "clicks"} == {
        k: v for k, v in before.items() if k != "clicks"
    }
    # The attempts are audited, as every click on a button that is not yours is.
    assert [c[1] for c in after["clicks"]] == ["not_found", "not_found"]
