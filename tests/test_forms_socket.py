"""A form on a message, answered over the socket: validated on the server, run once."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from pytest_django.fixtures import Settings

import chatactions as ca
from chatactions.models import ActionClick, Conversation
from chatactions.registry import default_registry

from .conftest import Callbacks, Chat, Socket, Visitor
from .forms import VALID, ShippingForm
from .rows import asnapshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def form_callbacks() -> Iterator[Any]:
    names: list[str] = []

    def register(name: str) -> Any:
        names.append(name)
        return default_registry.form_callback(name)

    yield register
    for name in names:
        default_registry.unregister_form(name)


async def offer_form(
    socket: Socket, conversation: Conversation, name: str = "t_ship", **kwargs: Any
) -> Any:
    message = await ca.Message(
        "Where should we ship it?",
        form=ca.Form(
            name,
            ShippingForm,
            payload={"order": 42, "secret": "s3cr3t-payload"},
            submit_label="Ship",
            **kwargs,
        ),
        conversation=conversation,
    ).send()
    frame = await socket.receive()
    assert message.form is not None
    return str(message.form.id), frame


async def test_a_form_is_drawn_inside_its_message_with_its_labels(chat: Chat) -> None:
    _, conversation, socket = chat
    form_id, frame = await offer_form(socket, conversation)
    assert frame["form"] == {"id": form_id, "name": "t_ship", "submit_label": "Ship"}
    assert frame["actions"] == []
    html = frame["html"]
    assert f'data-form-id="{form_id}"' in html
    assert f'<label for="ca-{form_id}-address">Address:</label>' in html
    assert "Ship</span></button>" in html
    assert "s3cr3t" not in html  # the payload never leaves the server


async def test_valid_values_run_the_callback_once_with_cleaned_data_and_payload(
    chat: Chat, form_callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    seen: list[Any] = []

    @form_callbacks("t_ship")
    async def ship(submission: ca.Submission) -> None:
        seen.append(submission)
        await ca.Message(f"Shipping order {submission.payload['order']}.").send()

    form_id, _ = await offer_form(socket, conversation)
    frames, ack = await socket.request({"type": "submit", "id": form_id, "data": VALID})
    assert ack["status"] == "ok"
    assert [f["type"] for f in frames] == ["message", "action.remove"]
    assert frames[0]["content"] == "Shipping order 42."
    assert frames[1]["id"] == form_id
    (submission,) = seen
    assert submission.cleaned_data == {
        "address": "1 Main St",
        "speed": "express",
        "extras": ["note"],
        "when": datetime.date(2026, 12, 24),
        "insured": True,
    }
    assert submission.message.content == "Where should we ship it?"
    click = await ActionClick.objects.aget(action__uuid=form_id)
    assert (click.outcome, click.via) == ("ok", "websocket")
    assert click.fields == sorted(VALID) and click.values is None
    _, again = await socket.request({"type": "submit", "id": form_id, "data": VALID})
    assert again["status"] == "gone"
    assert len(seen) == 1


async def test_invalid_values_answer_djangos_errors_and_run_nothing(
    chat: Chat, form_callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    seen: list[Any] = []
    form_callbacks("t_ship")(seen.append)
    form_id, _ = await offer_form(socket, conversation)
    before = (await asnapshot())["actions"]
    data = {**VALID, "address": "", "when": "soon", "extras": ["gift"]}
    frames, ack = await socket.request({"type": "submit", "id": form_id, "data": data})
    assert frames == [] and seen == []
    assert ack["status"] == "invalid"
    assert ack["errors"] == {
        "address": ["This field is required."],
        "when": ["Enter a valid date."],
        "__all__": ["Express orders cannot be gift wrapped."],
    }
    html = ack["html"]
    assert 'aria-invalid="true"' in html and f'aria-describedby="ca-{form_id}-when_error"' in html
    assert 'value="soon"' in html  # the values are kept
    assert (await asnapshot())["actions"] == before  # nothing claimed, nothing removed
    click = await ActionClick.objects.aget(action__uuid=form_id)
    assert click.outcome == "invalid"
    _, ack = await socket.request({"type": "submit", "id": form_id, "data": VALID})
    assert ack["status"] == "ok" and len(seen) == 1


async def test_every_tab_loses_the_answered_form_and_only_the_submitter_sees_errors(
    chat: Chat, form_callbacks: Callbacks
) -> None:
    visitor, conversation, socket = chat
    form_callbacks("t_ship")(lambda submission: None)
    other = visitor.socket(conversation)
    await other.connect()
    form_id, _ = await offer_form(socket, conversation)
    offered = await other.receive()
    _, ack = await socket.request({"type": "submit", "id": form_id, "data": {}})
    assert ack["status"] == "invalid"
    assert await other.nothing_more()  # the errors are the submitter's
    _, ack = await socket.request({"type": "submit", "id": form_id, "data": VALID})
    assert ack["status"] == "ok"
    removal = await other.receive()
    # The removal takes a position of the conversation's sequence, after the form's message.
    assert removal == {"type": "action.remove", "id": form_id, "seq": offered["seq"] + 1}
    await other.close()


async def test_a_foreign_form_is_not_found_and_recorded_and_nothing_else_changes(
    chat: Chat, form_callbacks: Callbacks
) -> None:

    _, conversation, socket = chat
    seen: list[Any] = []
    form_callbacks("t_ship")(seen.append)
    form_id, _ = await offer_form(socket, conversation)
    stranger = Visitor()
    theirs = await sync_to_async(stranger.start)()
    their_socket = stranger.socket(theirs)
    await their_socket.connect()
    before = (await asnapshot())["actions"]
    _, ack = await their_socket.request({"type": "submit", "id": form_id, "data": VALID})
    assert (ack["status"], ack["detail"]) == ("not_found", "No such action.")
    _, unknown = await their_socket.request(
        {"type": "submit", "id": "0c1f5a3e-4a8b-4a52-9a57-0d5e6c2b8f11", "data": VALID}
    )
    assert unknown["status"] == "not_found" and unknown["detail"] == ack["detail"]
    assert seen == [] and (await asnapshot())["actions"] == before
    click = await ActionClick.objects.aget(action__uuid=form_id)
    assert click.outcome == "not_found" and click.fields == sorted(VALID)
    await their_socket.close()


@pytest.mark.parametrize(
    "frame, detail",
    [
        ({"data": "address=x"}, "data must be an object of strings"),
        ({"data": {"address": 3}}, "data must be an object of strings"),
        ({"data": {"extras": ["gift", None]}}, "data must be an object of strings"),
        ({}, "data must be an object of strings"),
        ({"data": {"address": "x" * 9000}}, "The form's values are larger than 8192 bytes."),
        ({"data": {"address": "a\x00b"}}, "A value "),
    ],
)
async def test_malformed_and_oversized_values_are_invalid_and_change_nothing(
    chat: Chat, form_callbacks: Callbacks, frame: Any, detail: Any
) -> None:
    _, conversation, socket = chat
    seen: list[Any] = []
    form_callbacks("t_ship")(seen.append)
    form_id, _ = await offer_form(socket, conversation)
    before = await asnapshot()
    _, ack = await socket.request({"type": "submit", "id": form_id, **frame})
    assert ack["status"] == "invalid" and ack["detail"].startswith(detail)
    assert seen == [] and await asnapshot() == before


async def test_a_click_on_a_form_and_a_submit_on_a_button_are_invalid(
    chat: Chat, form_callbacks: Callbacks
) -> None:
    from .conftest import offer

    _, conversation, socket = chat
    form_callbacks("t_ship")(lambda s: None)
    form_id, _ = await offer_form(socket, conversation)
    _, ack = await socket.request({"type": "action", "id": form_id})
    assert ack["status"] == "invalid"
    button_id = await offer(socket, conversation, "some_button")
    _, ack = await socket.request({"type": "submit", "id": button_id, "data": VALID})
    assert ack["status"] == "invalid"


async def test_an_expired_or_removed_form_is_gone(chat: Chat, form_callbacks: Callbacks) -> None:
    _, conversation, socket = chat
    form_callbacks("t_ship")(lambda s: None)
    form_id, _ = await offer_form(socket, conversation, ttl=-1)
    _, ack = await socket.request({"type": "submit", "id": form_id, "data": VALID})
    assert (ack["status"], ack["detail"]) == ("gone", "This form has expired.")
    message = await ca.Message(
        "x", form=ca.Form("t_ship", ShippingForm), conversation=conversation
    ).send()
    await socket.receive()
    await message.remove_actions()
    await socket.receive()
    assert message.form is not None
    _, ack = await socket.request({"type": "submit", "id": str(message.form.id), "data": VALID})
    assert ack["status"] == "gone"


async def test_values_are_audited_only_when_the_setting_asks(
    chat: Chat, form_callbacks: Callbacks, settings: Settings
) -> None:
    settings.CHATACTIONS = {"AUDIT_FORM_VALUES": True}
    _, conversation, socket = chat
    form_callbacks("t_ship")(lambda s: None)
    form_id, _ = await offer_form(socket, conversation)
    _, ack = await socket.request({"type": "submit", "id": form_id, "data": VALID})
    assert ack["status"] == "ok"
    click = await ActionClick.objects.aget(action__uuid=form_id)
    assert click.values == {
        "address": ["1 Main St"],
        "speed": ["express"],
        "extras": ["note"],
        "when": ["2026-12-24"],
        "insured": ["on"],
    }


async def test_a_rate_limited_submission_is_refused_and_recorded(
    chat: Chat, form_callbacks: Callbacks, settings: Settings
) -> None:
    settings.CHATACTIONS = {"RATE_LIMIT": 1, "RATE_LIMIT_PERIOD": 1000}
    visitor, conversation, _ = chat
    socket = visitor.socket(conversation)
    await socket.connect()
    seen: list[Any] = []
    form_callbacks("t_ship")(seen.append)
    form_id, _ = await offer_form(socket, conversation)
    await socket.request({"type": "sync", "after": None})
    _, ack = await socket.request({"type": "submit", "id": form_id, "data": VALID})
    assert ack["status"] == "rate_limited" and seen == []
    click = await ActionClick.objects.aget(action__uuid=form_id)
    assert click.outcome == "rate_limited"
    await socket.close()


async def test_a_callback_that_fails_keeps_the_form_to_try_again(
    chat: Chat, form_callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    calls: list[ca.Submission] = []

    @form_callbacks("t_ship")
    def ship(submission: ca.Submission) -> None:
        calls.append(submission)
        if len(calls) == 1:
            raise RuntimeError("carrier down")
        submission.remove_sync()

    form_id, offered = await offer_form(socket, conversation)
    _, ack = await socket.request({"type": "submit", "id": form_id, "data": VALID})
    assert ack["status"] == "error"
    frames, ack = await socket.request({"type": "submit", "id": form_id, "data": VALID})
    removal = {"type": "action.remove", "id": form_id, "seq": offered["seq"] + 1}
    assert ack["status"] == "ok" and frames == [removal]
    assert len(calls) == 2


def test_a_form_class_that_cannot_be_imported_is_refused_when_sent() -> None:
    from django import forms

    class Local(forms.Form):
        name = forms.CharField()

    with pytest.raises(ca.ActionError, match="cannot be imported"):
        ca.Form("x", Local).draft()
    with pytest.raises(ca.ActionError, match="must be a Django form class"):
        ca.Form("x", dict).draft()  # type: ignore[arg-type]
    with pytest.raises(ca.ActionError, match="initial is not JSON"):
        ca.Form("x", ShippingForm, initial={"when": datetime.date.today()}).draft()
    with pytest.raises(ca.MessageError, match="form="):
        ca.Message("x", actions=[ca.Form("x", ShippingForm)]).draft()
