"""A form without JavaScript: a plain POST with CSRF; invalid values bring the page back bound."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pytest_django.fixtures import Settings

import chatactions as ca
from chatactions.models import ActionClick, Conversation
from chatactions.registry import default_registry

from .conftest import Visitor
from .forms import VALID, PhotoForm, ShippingForm
from .rows import snapshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shipped() -> Iterator[Any]:
    seen: list[Any] = []
    default_registry.form_callback("t_ship")(seen.append)
    yield seen
    default_registry.unregister_form("t_ship")


def send_form(conversation: Conversation, **kwargs: Any) -> Any:
    message = ca.Message(
        "Where should we ship it?",
        form=ca.Form("t_ship", ShippingForm, initial={"speed": "express"}, submit_label="Ship"),
        conversation=conversation,
    ).send_sync()
    assert message.form is not None
    return message.form.id


def url(conversation: Conversation, form_id: uuid.UUID | str) -> Any:
    return f"/chat/{conversation.uuid}/forms/{form_id}/submit/"


def posted(values: dict[str, Any]) -> Any:
    return {k: v for k, v in values.items() if v is not True} | {
        k: "on" for k, v in values.items() if v is True
    }


def test_the_page_draws_the_form_with_its_initial_values_and_a_csrf_token(
    visitor: Visitor,
) -> None:
    conversation = visitor.start()
    form_id = send_form(conversation)
    page = visitor.client.get(f"/chat/{conversation.uuid}/").content.decode()
    start = page.index(f'data-form-id="{form_id}"')
    form = page[page.rindex("<form", 0, start) : page.index("</form>", start)]
    assert f'action="{url(conversation, form_id)}"' in form and 'method="post"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert '<option value="express" selected>' in form
    assert f'<label for="ca-{form_id}-address">Address:</label>' in form


def test_a_valid_post_runs_the_callback_and_the_form_is_gone_from_the_page(
    visitor: Visitor, shipped: list[ca.Submission]
) -> None:
    conversation = visitor.start()
    form_id = send_form(conversation)
    response = visitor.client.post(url(conversation, form_id), posted(VALID))
    assert response.status_code == 302
    assert response["Location"] == f"/chat/{conversation.uuid}/"
    (submission,) = shipped
    assert submission.cleaned_data["extras"] == ["note"] and submission.cleaned_data["insured"]
    click = ActionClick.objects.get(action__uuid=form_id)
    assert (click.via, click.outcome) == ("form", "ok")
    page = visitor.client.get(f"/chat/{conversation.uuid}/").content.decode()
    assert f'data-form-id="{form_id}"' not in page
    again = visitor.client.post(url(conversation, form_id), posted(VALID), follow=True)
    assert "This form is no longer available." in again.content.decode()
    assert len(shipped) == 1


def test_an_invalid_post_brings_the_page_back_bound_with_errors_and_runs_nothing(
    visitor: Visitor, shipped: list[ca.Submission]
) -> None:
    conversation = visitor.start()
    form_id = send_form(conversation)
    before = snapshot()["actions"]
    response = visitor.client.post(
        url(conversation, form_id), {"address": "", "speed": "standard", "when": "soon"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page and "Enter a valid date." in page
    assert 'value="soon"' in page  # what was typed is kept
    assert '<option value="standard" selected>' in page
    assert f'id="ca-{form_id}-address_error"' in page and 'aria-invalid="true"' in page
    assert shipped == [] and snapshot()["actions"] == before


def test_a_post_without_csrf_is_refused_and_changes_nothing(shipped: list[ca.Submission]) -> None:
    visitor = Visitor(Client())
    conversation = visitor.start()  # New chat is a POST: started with the token, as a page would
    form_id = send_form(conversation)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = visitor.client.cookies  # the same session, without the token
    before = snapshot()
    response = strict.post(url(conversation, form_id), posted(VALID))
    assert response.status_code == 403
    assert shipped == [] and snapshot() == before


def test_a_foreign_form_is_404_and_an_oversized_post_is_refused(
    visitor: Visitor, shipped: list[ca.Submission]
) -> None:
    conversation = visitor.start()
    form_id = send_form(conversation)
    stranger = Visitor()
    stranger.start()
    assert stranger.client.post(url(conversation, form_id), posted(VALID)).status_code == 404
    before = snapshot()["actions"]
    big = visitor.client.post(url(conversation, form_id), {"address": "x" * 9000}, follow=True)
    assert "larger than 8192 bytes" in big.content.decode()
    assert shipped == [] and snapshot()["actions"] == before


@pytest.fixture
def photos(settings: Settings, tmp_path: Path, visitor: Visitor) -> Iterator[Any]:
    """A conversation with a PhotoForm; uploads go to ``tmp_path``, 1000 bytes at most."""
    settings.MEDIA_ROOT = str(tmp_path)
    settings.CHATACTIONS = {"MAX_UPLOAD_BYTES": 1000}
    seen: list[Any] = []
    default_registry.form_callback("photo")(seen.append)
    conversation = visitor.start()
    message = ca.Message("A photo?", form=ca.Form("photo", PhotoForm), conversation=conversation)
    form = message.send_sync().form
    assert form is not None
    yield seen, tmp_path, url(conversation, form.id)
    default_registry.unregister_form("photo")


def jpeg(name: str, content: bytes) -> Any:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def test_a_file_is_stored_through_django_storage_and_handed_to_the_callback(
    visitor: Visitor, photos: Any
) -> None:
    seen, _, submit = photos
    page = visitor.client.get(submit.split("forms/")[0]).content.decode()
    assert 'enctype="multipart/form-data"' in page
    photo = jpeg("parcel.jpg", b"\xff\xd8 a parcel")
    response = visitor.client.post(submit, {"caption": "x", "photo": photo})
    assert response.status_code == 302
    (submission,) = seen
    stored = submission.files["photo"]
    assert stored.startswith(f"chatactions/{submission.id}/parcel")
    with default_storage.open(stored) as saved:
        assert saved.read() == b"\xff\xd8 a parcel"


def test_an_oversized_file_gets_an_error_beside_its_field_and_nothing_is_stored(
    visitor: Visitor, photos: Any
) -> None:
    seen, media, submit = photos
    before = snapshot()["actions"]
    response = visitor.client.post(submit, {"caption": "x", "photo": jpeg("big.jpg", b"x" * 1001)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "big.jpg is 1001 bytes; the largest file allowed is 1000." in page
    assert 'aria-invalid="true"' in page and "photo_error" in page
    assert seen == [] and snapshot()["actions"] == before
    assert list(media.rglob("*.jpg")) == []


def test_a_post_over_the_requesters_budget_is_rate_limited_and_recorded(
    visitor: Visitor, shipped: list[ca.Submission], settings: Settings
) -> None:
    conversation = visitor.start()
    form_id = send_form(conversation)
    settings.CHATACTIONS = {"RATE_LIMIT": 1, "RATE_LIMIT_PERIOD": 600}
    visitor.client.post(url(conversation, form_id), {"address": ""})  # spends the one token
    response = visitor.client.post(url(conversation, form_id), posted(VALID), follow=True)
    assert response.status_code == 200 and shipped == []
    outcomes = list(
        ActionClick.objects.filter(action__uuid=form_id).values_list("outcome", flat=True)
    )
    assert sorted(outcomes) == ["invalid", "rate_limited"]


def test_the_bound_page_has_the_chat_pages_content_security_policy(
    visitor: Visitor, shipped: list[ca.Submission]
) -> None:
    conversation = visitor.start()
    form_id = send_form(conversation)
    bound = visitor.client.post(url(conversation, form_id), {"address": ""})
    page = visitor.client.get(f"/chat/{conversation.uuid}/")
    assert bound.status_code == 400
    assert bound["Content-Security-Policy"] == page["Content-Security-Policy"]
