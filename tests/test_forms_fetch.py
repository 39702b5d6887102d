"""A form with files as chat.js posts it: multipart by fetch, answered in the ack's shape.

The same URL as the no-JavaScript post; ``Accept: application/json`` makes the
answer JSON (status, detail, errors, the form drawn again) instead of a page,
while the other tabs learn of the answer through the socket.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pytest_django.fixtures import Settings

import chatactions as ca
from chatactions.models import ActionClick, Conversation
from chatactions.registry import default_registry

from .conftest import Visitor
from .forms import PhotoForm
from .rows import snapshot

pytestmark = pytest.mark.django_db(transaction=True)

JSON = {"Accept": "application/json"}


@pytest.fixture
def photos(settings: Settings, tmp_path: Path) -> Iterator[list[ca.Submission]]:
    """Uploads to ``tmp_path``, 1000 bytes at most; the ``photo`` callback says what it got."""
    settings.MEDIA_ROOT = str(tmp_path)
    settings.CHATACTIONS = {"MAX_UPLOAD_BYTES": 1000}
    seen: list[ca.Submission] = []

    @default_registry.form_callback("photo")
    def photo(submission: ca.Submission) -> None:
        seen.append(submission)
        ca.Message(f"Got {submission.cleaned_data['caption']}.").send_sync()

    yield seen
    default_registry.unregister_form("photo")


def offer(conversation: Conversation) -> str:
    message = ca.Message("A photo?", form=ca.Form("photo", PhotoForm), conversation=conversation)
    form = message.send_sync().form
    assert form is not None
    return f"/chat/{conversation.uuid}/forms/{form.id}/submit/"


def jpeg(name: str, size: int) -> Any:
    return SimpleUploadedFile(name, b"\xff\xd8" + b"x" * (size - 2), content_type="image/jpeg")


async def test_a_valid_upload_answers_ok_in_json_and_the_other_tab_loses_the_form(
    visitor: Visitor, photos: list[ca.Submission]
) -> None:
    conversation = await sync_to_async(visitor.start)()
    url = await sync_to_async(offer)(conversation)
    form_id = url.rstrip("/").split("/")[-2]
    other = visitor.socket(conversation)
    await other.connect()
    response = await sync_to_async(visitor.client.post)(
        url, {"caption": "a parcel", "photo": jpeg("parcel.jpg", 100)}, headers=JSON
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"type": "ack", "ref": None, "status": "ok", "detail": ""}
    reply, removal = await other.receive(), await other.receive()
    await other.close()
    assert reply["content"] == "Got a parcel."
    assert removal["type"] == "action.remove" and removal["id"] == form_id
    (submission,) = photos
    with default_storage.open(submission.files["photo"]) as saved:
        assert len(saved.read()) == 100
    click = await ActionClick.objects.aget(action__uuid=form_id)
    assert (click.via, click.outcome, click.fields) == ("form", "ok", ["caption", "photo"])


def test_an_oversized_file_is_invalid_with_its_error_and_the_form_drawn_again(
    visitor: Visitor, photos: list[ca.Submission], tmp_path: Path
) -> None:
    conversation = visitor.start()
    url = offer(conversation)
    before = snapshot()["actions"]
    response = visitor.client.post(
        url, {"caption": "big", "photo": jpeg("big.jpg", 1001)}, headers=JSON
    )
    assert response.status_code == 400
    ack = response.json()
    assert ack["status"] == "invalid"
    assert ack["errors"] == {"photo": ["big.jpg is 1001 bytes; the largest file allowed is 1000."]}
    assert 'aria-invalid="true"' in ack["html"] and 'value="big"' in ack["html"]
    assert 'enctype="multipart/form-data"' in ack["html"]
    assert photos == [] and snapshot()["actions"] == before
    assert list(tmp_path.rglob("*.jpg")) == []
    click = ActionClick.objects.get(action__uuid=url.rstrip("/").split("/")[-2])
    assert click.outcome == "invalid"  # the refusal is recorded, as a click's is


def test_refusals_answer_in_json_too(visitor: Visitor, photos: list[ca.Submission]) -> None:
    conversation = visitor.start()
    url = offer(conversation)
    stranger = Visitor()
    stranger.start()
    foreign = stranger.client.post(url, {"caption": "x"}, headers=JSON)
    assert foreign.status_code == 404 and foreign.json()["status"] == "not_found"
    nobody = Client().post(url, {"caption": "x"}, headers=JSON)
    assert nobody.status_code == 404 and nobody.json()["status"] == "not_found"
    big = visitor.client.post(url, {"caption": "x" * 9000}, headers=JSON)
    assert big.status_code == 400 and "larger than 8192 bytes" in big.json()["detail"]
    done = visitor.client.post(url, {"caption": "x", "photo": jpeg("a.jpg", 10)}, headers=JSON)
    assert done.json()["status"] == "ok"
    again = visitor.client.post(url, {"caption": "x", "photo": jpeg("a.jpg", 10)}, headers=JSON)
    assert again.status_code == 410 and again.json()["status"] == "gone"
    assert len(photos) == 1


def test_over_budget_is_429_in_json(
    visitor: Visitor, photos: list[ca.Submission], settings: Settings
) -> None:
    conversation = visitor.start()
    url = offer(conversation)
    settings.CHATACTIONS = {"RATE_LIMIT": 1, "RATE_LIMIT_PERIOD": 600}
    visitor.client.post(url, {"caption": ""}, headers=JSON)  # spends the one token
    response = visitor.client.post(url, {"caption": "x"}, headers=JSON)
    assert response.status_code == 429 and response.json()["status"] == "rate_limited"
    assert photos == []


def test_a_browsers_own_post_still_gets_the_page(
    visitor: Visitor, photos: list[ca.Submission]
) -> None:
    """A form post without JavaScript accepts ``*/*`` too: it is answered with HTML."""
    conversation = visitor.start()
    url = offer(conversation)
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = visitor.client.post(url, {"caption": ""}, headers={"Accept": accept})
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    assert "This field is required." in response.content.decode()


def test_a_path_in_the_uploads_name_stays_inside_the_forms_folder(
    visitor: Visitor, photos: list[ca.Submission], tmp_path: Path
) -> None:
    """A hand-made body (a browser never sends one): Django keeps only the name's last part."""
    conversation = visitor.start()
    url = offer(conversation)
    boundary = "x-boundary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="caption"\r\n\r\nescape\r\n'
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="photo"; filename="../../../evil.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\nevil\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    response = visitor.client.post(
        url,
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=JSON,
    )
    assert response.json()["status"] == "ok"
    (submission,) = photos
    assert submission.files["photo"] == f"chatactions/{submission.id}/evil.jpg"
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.jpg")] == [
        submission.files["photo"]
    ]
