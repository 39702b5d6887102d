"""A form through the HTTP API: a JSON body, the same dispatch, the same refusals."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

import chatactions as ca
from chatactions.models import ActionClick
from chatactions.registry import default_registry

from .forms import VALID, ShippingForm
from .rows import snapshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shipped() -> Iterator[Any]:
    seen: list[Any] = []

    @default_registry.form_callback("t_ship")
    def ship(submission: ca.Submission) -> None:
        seen.append(submission)
        ca.Message(f"Shipping to {submission.cleaned_data['address']}.").send_sync()

    yield seen
    default_registry.unregister_form("t_ship")


@pytest.fixture
def client_and_form() -> Any:
    client = APIClient()
    conversation = client.post("/api/chat/conversations/").json()
    form = (
        ca.Message("Where?", form=ca.Form("t_ship", ShippingForm), conversation=conversation["id"])
        .send_sync()
        .form
    )
    assert form is not None
    return client, conversation["id"], str(form.id)


def submit_url(conversation_id: uuid.UUID | str, form_id: uuid.UUID | str) -> Any:
    return f"/api/chat/conversations/{conversation_id}/forms/{form_id}/submit/"


def test_the_form_is_listed_as_an_action_of_kind_form(
    client_and_form: tuple[APIClient, Any, str],
) -> None:
    client, conversation_id, form_id = client_and_form
    messages = client.get(f"/api/chat/conversations/{conversation_id}/messages/").json()
    (form,) = messages["results"][-1]["actions"]
    assert (form["id"], form["kind"], form["label"]) == (form_id, "form", "Send")


def test_valid_json_runs_the_callback_and_links_to_its_replies(
    client_and_form: tuple[APIClient, Any, str], shipped: list[ca.Submission]
) -> None:
    client, conversation_id, form_id = client_and_form
    response = client.post(submit_url(conversation_id, form_id), {"data": VALID}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok" and body["errors"] is None
    replies = client.get(body["replies"]).json()["results"]
    assert replies[-1]["content"] == "Shipping to 1 Main St."
    click = ActionClick.objects.get(action__uuid=form_id)
    assert (click.via, click.outcome) == ("api", "ok")
    again = client.post(submit_url(conversation_id, form_id), {"data": VALID}, format="json")
    assert again.status_code == 410 and len(shipped) == 1


def test_invalid_values_are_400_with_djangos_errors_and_change_nothing(
    client_and_form: tuple[APIClient, Any, str], shipped: list[ca.Submission]
) -> None:
    client, conversation_id, form_id = client_and_form
    before = snapshot()["actions"]
    response = client.post(
        submit_url(conversation_id, form_id), {"data": {"speed": "slow"}}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["speed"] == ["Select a valid choice. slow is not one of the available choices."]
    assert errors["address"] == ["This field is required."]
    assert shipped == [] and snapshot()["actions"] == before


@pytest.mark.parametrize(
    "body", [{"data": {"address": 1}}, {"data": {"address": "x" * 9000}}, {}, {"data": []}]
)
def test_malformed_bodies_are_400_and_change_nothing(
    client_and_form: tuple[APIClient, Any, str], shipped: list[ca.Submission], body: Any
) -> None:
    client, conversation_id, form_id = client_and_form
    before = snapshot()
    response = client.post(submit_url(conversation_id, form_id), body, format="json")
    assert response.status_code == 400
    assert shipped == [] and snapshot() == before


def test_a_foreign_or_malformed_form_id_is_404(
    client_and_form: tuple[APIClient, Any, str], shipped: list[ca.Submission]
) -> None:
    _, conversation_id, form_id = client_and_form
    stranger = APIClient()
    stranger.post("/api/chat/conversations/")
    response = stranger.post(submit_url(conversation_id, form_id), {"data": VALID}, format="json")
    assert response.status_code == 404
    assert stranger.post(submit_url(conversation_id, "nope"), {}, format="json").status_code == 404
    assert shipped == []


def test_the_schema_describes_the_submit_endpoint() -> None:
    schema = APIClient().get("/api/schema/?format=json")
    assert schema.status_code == 200, schema
    paths = schema.json()["paths"]
    operation = paths["/api/chat/conversations/{conversation_id}/forms/{form_id}/submit/"]["post"]
    assert operation["operationId"] == "submit_form"
    assert set(operation["responses"]) >= {"200", "400", "404", "410"}
