"""Django integration: several chat apps, signals, admin, management commands."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import include, path
from django.utils import timezone

import chatactions as ca
from chatactions.models import Action, ActionClick, Conversation, Message
from chatactions.signals import action_clicked, message_sent
from chatactions.views import StartChatView

from .conftest import Callbacks, Chat, Visitor

pytestmark = pytest.mark.django_db(transaction=True)

support = ca.ChatRegistry("support")


@support.on_chat_start
async def support_start() -> None:
    await ca.Message("Support here. What's wrong?", author="Support").send()


@support.on_message
async def support_reply(message: ca.Message) -> None:
    await ca.Message(
        f"Ticket opened: {message.content}",
        author="Support",
        actions=[ca.Action("close_ticket", "Close")],
    ).send()


@support.action_callback("close_ticket")
async def close_ticket(action: ca.Action) -> None:
    await ca.Message("Ticket closed.", author="Support").send()


urlpatterns = [
    path("support/", StartChatView.as_view(app="support"), name="support-start"),
    path("chat/", include("chatactions.urls")),
]


@override_settings(ROOT_URLCONF=__name__)
async def test_second_chat_app_answers_its_own_conversations() -> None:
    visitor = Visitor()
    response = await sync_to_async(visitor.client.get)("/support/")
    conversation = await Conversation.objects.aget()
    assert response["Location"] == f"/chat/{conversation.uuid}/"
    assert conversation.app == "support"
    socket = visitor.socket(conversation)
    await socket.connect()
    frames, _ = await socket.request({"type": "message", "content": "printer on fire"})
    assert frames[-1]["content"] == "Ticket opened: printer on fire"
    assert frames[-1]["author"] == "Support"
    # The default app's "delete my data" means nothing here, and its callbacks don't run here.
    frames, ack = await socket.request({"type": "action", "id": frames[-1]["actions"][0]["id"]})
    assert frames[0]["content"] == "Ticket closed." and ack["status"] == "ok"
    await socket.close()


async def test_a_button_name_unknown_to_the_conversations_app_is_an_error(chat: Chat) -> None:
    _, conversation, socket = chat  # a default-app conversation
    message = await ca.Message(
        "x", actions=[ca.Action("close_ticket")], conversation=conversation
    ).send()
    await socket.receive()
    _, ack = await socket.request({"type": "action", "id": str(message.actions[0].id)})
    assert ack["status"] == "error"


def test_registry_names_are_unique() -> None:
    with pytest.raises(ca.AlreadyRegistered, match="'support' already exists"):
        ca.ChatRegistry("support")
    with pytest.raises(ca.InvalidCallback, match="name of 1 to 100"):
        ca.ChatRegistry("")


@override_settings(ROOT_URLCONF=__name__)
def test_start_view_for_an_unknown_app_fails_loudly_and_writes_nothing() -> None:
    view = StartChatView.as_view(app="nope")
    from django.test import RequestFactory

    request = RequestFactory().get("/x/")
    with pytest.raises(ca.NotRegistered, match="'nope'"):
        view(request)
    assert not Conversation.objects.exists()


async def test_signals_report_messages_and_clicks(chat: Chat, callbacks: Callbacks) -> None:
    _, conversation, socket = chat
    sent, clicked = [], []

    def on_sent(
        sender: type[Message], message: Message, conversation: Conversation, **kwargs: Any
    ) -> None:
        sent.append(message.content)

    def on_clicked(
        sender: type[ActionClick],
        click: ActionClick,
        action: Action,
        conversation: Conversation,
        **kwargs: Any,
    ) -> None:
        clicked.append((action.name, click.outcome, conversation.pk))

    message_sent.connect(on_sent)
    action_clicked.connect(on_clicked)
    try:

        @callbacks("sig")
        async def sig() -> None:
            await ca.Message("signalled").send()

        message = await ca.Message(
            "x", actions=[ca.Action("sig")], conversation=conversation
        ).send()
        await socket.receive()
        await socket.request({"type": "action", "id": str(message.actions[0].id)})
    finally:
        message_sent.disconnect(on_sent)
        action_clicked.disconnect(on_clicked)
    assert sent == ["x", "signalled"]
    assert clicked == [("sig", "ok", conversation.pk)]


def test_callbacks_command_lists_every_registration_with_its_source() -> None:
    out = io.StringIO()
    call_command("chatactions", "callbacks", stdout=out)
    lines = out.getvalue().splitlines()
    assert any(
        line.startswith("default\tconfirm_delete\tproject.bot.actions.on_confirm (")
        for line in lines
    )
    assert any(line.startswith("support\tclose_ticket\t") for line in lines)
    assert any(line.startswith("default\ton_chat_start\t") for line in lines)


def test_prune_deletes_old_conversations_in_batches(visitor: Visitor) -> None:
    old = [visitor.start() for _ in range(3)]
    recent = visitor.start()
    Conversation.objects.filter(pk__in=[c.pk for c in old]).update(
        created_at=timezone.now() - timedelta(days=31)
    )
    out = io.StringIO()
    call_command("chatactions", "prune", "--older-than", "30d", "--dry-run", stdout=out)
    assert out.getvalue().strip() == "Would delete 3 conversations."
    assert Conversation.objects.count() == 4
    call_command("chatactions", "prune", "--older-than", "30d", "--batch-size", "2", stdout=out)
    assert "Deleted 3 conversations." in out.getvalue()
    assert list(Conversation.objects.all()) == [recent]
    assert Message.objects.filter(conversation=recent).exists()


@pytest.mark.parametrize("age", ["30", "thirty days", "5y", ""])
def test_prune_refuses_an_unreadable_age(age: str) -> None:
    with pytest.raises(CommandError, match="Cannot read the age"):
        call_command("chatactions", "prune", "--older-than", age)


def test_prune_refuses_a_zero_batch() -> None:
    with pytest.raises(CommandError, match="at least 1"):
        call_command("chatactions", "prune", "--older-than", "1d", "--batch-size", "0")


def test_admin_lists_conversations_and_the_read_only_audit_trail(visitor: Visitor) -> None:
    conversation = visitor.start()
    visitor.client.post(f"/chat/{conversation.uuid}/", {"content": "delete my data"})
    message = Message.objects.filter(actions__isnull=False).first()
    assert message is not None
    action = message.actions.first()
    assert action is not None
    visitor.client.post(f"/chat/{conversation.uuid}/actions/{action.uuid}/click/")
    admin = Client()
    admin.force_login(User.objects.create_superuser("root", "r@example.com", "pw"))
    page = admin.get(f"/admin/chatactions/conversation/{conversation.pk}/change/")
    assert page.status_code == 200 and "delete my data" in page.content.decode()
    audit = admin.get("/admin/chatactions/actionclick/?outcome__exact=ok")
    assert audit.status_code == 200 and "Confirm Deletion" in audit.content.decode()
    click = ActionClick.objects.get()
    shown = f"{click.duration_ms:.1f} ms"
    assert (
        shown in audit.content.decode() and repr(click.duration_ms) not in audit.content.decode()
    )
    detail = admin.get(f"/admin/chatactions/actionclick/{click.pk}/change/").content.decode()
    assert shown in detail and repr(click.duration_ms) not in detail
    assert admin.get("/admin/chatactions/actionclick/add/").status_code == 403
    change = admin.post(f"/admin/chatactions/actionclick/{click.pk}/change/", {"outcome": "error"})
    assert change.status_code == 403
    assert ActionClick.objects.get().outcome == "ok"


@pytest.mark.parametrize(
    ("ms", "shown"), [(10.395908999953463, "10.4 ms"), (2345.67, "2345.7 ms")]
)
def test_admin_shows_a_clicks_duration_as_a_person_reads_it(ms: float, shown: str) -> None:
    from django.contrib.admin import site

    from chatactions.admin import ActionClickAdmin

    admin = site.get_model_admin(ActionClick)
    assert isinstance(admin, ActionClickAdmin)
    assert admin.duration(ActionClick(duration_ms=ms)) == shown


def test_admin_edit_of_content_redraws_its_html(visitor: Visitor) -> None:
    conversation = visitor.start()
    message = conversation.messages.get()
    admin = Client()
    admin.force_login(User.objects.create_superuser("root", "r@example.com", "pw"))
    url = f"/admin/chatactions/message/{message.pk}/change/"
    response = admin.post(
        url,
        {
            "author": "Assistant",
            "content": "**edited**",
            "actions-TOTAL_FORMS": "0",
            "actions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Message.objects.get(pk=message.pk).content_html == "<p><strong>edited</strong></p>"


async def test_a_conversation_whose_app_is_gone_answers_error_not_a_crash(chat: Chat) -> None:
    visitor, conversation, _ = chat
    await Conversation.objects.filter(pk=conversation.pk).aupdate(app="retired")
    fresh = visitor.socket(conversation)
    await fresh.connect()
    frames, ack = await fresh.request({"type": "message", "content": "anyone?"})
    assert ack["status"] == "error"
    assert [f["content"] for f in frames] == ["anyone?"]  # the message itself is kept
    await fresh.close()
