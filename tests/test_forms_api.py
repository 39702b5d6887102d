"""A form through the HTTP API: a JSON body, the same dispatch, the same refusals."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

import chatactions as ca
from chatactions.models import ActionClick
from chatactions.registry import default_registry

from .forms import VALID, PhotoForm, ShippingForm
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


# A form with files: multipart/form-data ------------------------------------------------


@pytest.fixture
def photo_form(settings: Settings, tmp_path: Path) -> Iterator[tuple[APIClient, str, list[Any]]]:
    """A conversation with a PhotoForm; uploads to ``tmp_path``, 1000 bytes each at most."""
    settings.MEDIA_ROOT = str(tmp_path)
    settings.CHATACTIONS = {"MAX_UPLOAD_BYTES": 1000, "MAX_FRAME_BYTES": 2000}
    seen: list[Any] = []
    default_registry.form_callback("photo")(seen.append)
    client = APIClient()
    conversation = client.post("/api/chat/conversations/").json()["id"]
    message = ca.Message("A photo?", form=ca.Form("photo", PhotoForm), conversation=conversation)
    form = message.send_sync().form
    assert form is not None
    yield client, submit_url(conversation, form.id), seen
    default_registry.unregister_form("photo")


def jpeg(name: str, size: int) -> Any:
    return SimpleUploadedFile(name, b"\xff\xd8" + b"x" * (size - 2), content_type="image/jpeg")


def test_multipart_stores_the_file_and_hands_its_name_to_the_callback(
    photo_form: tuple[APIClient, str, list[Any]],
) -> None:
    client, url, seen = photo_form
    response = client.post(url, {"caption": "a parcel", "photo": jpeg("p.jpg", 1000)})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ok"
    (submission,) = seen
    assert submission.cleaned_data["caption"] == "a parcel"
    with default_storage.open(submission.files["photo"]) as saved:
        assert len(saved.read()) == 1000
    click = ActionClick.objects.get(action__uuid=submission.id)
    assert (click.via, click.outcome, click.fields) == ("api", "ok", ["caption", "photo"])


def test_an_oversized_file_is_400_beside_its_field_and_nothing_is_saved(
    photo_form: tuple[APIClient, str, list[Any]], tmp_path: Path
) -> None:
    client, url, seen = photo_form
    before = snapshot()
    response = client.post(url, {"caption": "big", "photo": jpeg("big.jpg", 1001)})
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "invalid"
    assert body["errors"] == {
        "photo": ["big.jpg is 1001 bytes; the largest file allowed is 1000."]
    }
    after = snapshot()
    assert after["actions"] == before["actions"]  # the form is still there, unanswered
    assert not ActionClick.objects.filter(outcome="ok").exists()
    assert seen == [] and list(tmp_path.rglob("*")) == []


def test_a_body_over_the_bound_is_413_before_it_is_read(
    photo_form: tuple[APIClient, str, list[Any]], tmp_path: Path
) -> None:
    client, url, seen = photo_form
    before = snapshot()
    response = client.post(url, {"caption": "huge", "photo": jpeg("huge.jpg", 3001)})
    assert response.status_code == 413
    assert "larger than 3000 bytes" in response.json()["detail"]
    assert seen == [] and snapshot() == before and list(tmp_path.rglob("*")) == []


def test_too_many_files_or_values_are_400_and_change_nothing(
    photo_form: tuple[APIClient, str, list[Any]], settings: Settings, tmp_path: Path
) -> None:
    client, url, seen = photo_form
    settings.CHATACTIONS = {"MAX_UPLOAD_BYTES": 100_000, "MAX_FRAME_BYTES": 16_000}
    before = snapshot()
    many = client.post(url, {"caption": "x", "photo": [jpeg(f"{i}.jpg", 10) for i in range(11)]})
    assert many.status_code == 400
    long = client.post(url, {"caption": "x" * 9000, "photo": jpeg("a.jpg", 10)})
    assert long.status_code == 400 and "larger than 8192 bytes" in long.json()["detail"]
    assert seen == [] and snapshot() == before and list(tmp_path.rglob("*")) == []


def test_json_cannot_carry_the_file_so_the_form_says_it_is_required(
    photo_form: tuple[APIClient, str, list[Any]],
) -> None:
    client, url, seen = photo_form
    response = client.post(url, {"data": {"caption": "x"}}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"photo": ["This field is required."]}
    assert seen == []


def test_the_schema_offers_json_and_multipart_for_submit() -> None:
    paths = APIClient().get("/api/schema/?format=json").json()["paths"]
    operation = paths["/api/chat/conversations/{conversation_id}/forms/{form_id}/submit/"]["post"]
    content = operation["requestBody"]["content"]
    assert set(content) == {"application/json", "multipart/form-data"}
    assert {"type": "string", "format": "binary"} in (
        content["multipart/form-data"]["schema"]["additionalProperties"]["oneOf"]
    )
    assert "413" in operation["responses"]


def test_a_foreign_or_replayed_multipart_submission_stores_nothing(
    photo_form: tuple[APIClient, str, list[Any]], tmp_path: Path
) -> None:
    client, url, seen = photo_form
    stranger = APIClient()
    stranger.post("/api/chat/conversations/")
    before = snapshot()["actions"]
    foreign = stranger.post(url, {"caption": "x", "photo": jpeg("theirs.jpg", 10)})
    assert foreign.status_code == 404 and foreign.json()["replies"] is None
    assert snapshot()["actions"] == before and list(tmp_path.rglob("*")) == []
    assert client.post(url, {"caption": "x", "photo": jpeg("mine.jpg", 10)}).status_code == 200
    stored = sorted(p.name for p in tmp_path.rglob("*.jpg"))
    replay = client.post(url, {"caption": "x", "photo": jpeg("again.jpg", 10)})
    assert replay.status_code == 410 and replay.json()["status"] == "gone"
    assert sorted(p.name for p in tmp_path.rglob("*.jpg")) == stored == ["mine.jpg"]
    assert len(seen) == 1
