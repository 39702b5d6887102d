"""Removing one button through ``sql.removals`` writes the rows the ORM path writes."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from chatactions.context import Chat
from chatactions.core import removal
from chatactions.core.frames import Removal
from chatactions.models import Action, Conversation, Message

pytestmark = pytest.mark.django_db


def _chat_with(buttons: int) -> tuple[Chat, Message, list[Action]]:
    conversation = Conversation.objects.create(app="default", visitor=uuid.uuid4())
    message = Message.objects.create(conversation=conversation, author="Bot", content="Sure?")
    rows = [
        Action.objects.create(
            message=message,
            name=f"b{i}",
            label=f"B{i}",
            payload={},
            expires_at=timezone.now() + timedelta(hours=1),
        )
        for i in range(buttons)
    ]
    return Chat(conversation), message, rows


def _rows(chat: Chat, message: Message) -> tuple[int, int, list[bool]]:
    """The conversation's last position, the message's, and which buttons are removed."""
    conversation = Conversation.objects.get(pk=chat.conversation.pk)
    seq = Message.objects.get(pk=message.pk).seq
    removed = [
        a.removed_at is not None for a in Action.objects.filter(message=message).order_by("pk")
    ]
    return conversation.seq, seq, removed


def test_one_button_is_removed_as_several_are() -> None:
    """The compiled path (one id) and the ORM's (several ids) leave the same rows behind."""
    one_chat, one_message, one_rows = _chat_with(2)
    orm_chat, orm_message, orm_rows = _chat_with(3)
    before = _rows(one_chat, one_message)

    compiled = removal.mark_removed(one_chat, [one_rows[0].uuid])
    orm = removal.mark_removed(orm_chat, [orm_rows[0].uuid, uuid.uuid4()])

    after = _rows(one_chat, one_message)
    assert after == (before[0] + 1, before[0] + 1, [True, False])
    assert _rows(orm_chat, orm_message)[2] == [True, False, False]
    assert compiled == [Removal(one_rows[0].uuid, after[0])]
    assert [r.id for r in orm] == [orm_rows[0].uuid]
    assert Action.objects.get(pk=one_rows[0].pk).removed_at is not None


def test_a_removed_or_foreign_button_changes_nothing() -> None:
    chat, message, (button,) = _chat_with(1)
    other_chat, other_message, (foreign,) = _chat_with(1)
    assert removal.mark_removed(chat, [button.uuid])
    before, other_before = _rows(chat, message), _rows(other_chat, other_message)

    assert removal.mark_removed(chat, [button.uuid]) == []  # already gone
    assert removal.mark_removed(chat, [foreign.uuid]) == []  # another conversation's
    assert removal.mark_removed(chat, [uuid.uuid4()]) == []  # no such button

    assert _rows(chat, message) == before
    assert _rows(other_chat, other_message) == other_before
    assert other_before[2] == [False]
