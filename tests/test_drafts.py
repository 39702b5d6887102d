"""What ``ca.Message`` hands the core is checked first: one error family, the models' limits."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import chatactions as ca
from chatactions.models import Action, Conversation, Message

from .conftest import Socket, Visitor

pytestmark = pytest.mark.django_db(transaction=True)

Chat = tuple[Visitor, Conversation, Socket]


async def test_an_author_longer_than_its_column_is_refused_not_cut(chat: Chat) -> None:
    _, conversation, _ = chat
    before = await Message.objects.acount()
    with pytest.raises(ca.MessageError, match="author is 101 characters; the limit is 100"):
        await ca.Message("hi", author="a" * 101, conversation=conversation).send()
    assert await Message.objects.acount() == before
    sent = await ca.Message("hi", author="a" * 100, conversation=conversation).send()
    assert (await Message.objects.aget(uuid=sent.id)).author == "a" * 100


async def test_an_update_with_a_too_long_author_changes_nothing(chat: Chat) -> None:
    _, conversation, socket = chat
    message = await ca.Message("first", author="Bot", conversation=conversation).send()
    await socket.receive()
    message.content, message.author = "second", "b" * 101
    with pytest.raises(ca.MessageError, match="the limit is 100"):
        await message.update()
    row = await Message.objects.aget(uuid=message.id)
    assert (row.content, row.author) == ("first", "Bot")


@pytest.mark.parametrize(
    "bad",
    [
        lambda conversation: ca.Message("x\x00", conversation=conversation),
        lambda conversation: ca.Message("x", actions=[ca.Action("")], conversation=conversation),
    ],
    ids=["message", "action"],
)
async def test_a_bad_message_and_a_bad_button_raise_one_family(
    chat: Chat, bad: Callable[[Conversation], ca.Message]
) -> None:
    _, conversation, _ = chat
    before = (await Message.objects.acount(), await Action.objects.acount())
    with pytest.raises(ca.InvalidMessage) as raised:
        await bad(conversation).send()
    assert isinstance(raised.value, ca.ChatActionsError | ValueError)
    assert (await Message.objects.acount(), await Action.objects.acount()) == before


def test_a_button_field_limit_is_its_model_fields_max_length() -> None:
    limit = Action._meta.get_field("icon").max_length
    assert limit == 64
    ca.Action("x", icon="i" * limit).validate()
    with pytest.raises(
        ca.ActionError, match=f"icon is {limit + 1} characters; the limit is {limit}"
    ):
        ca.Action("x", icon="i" * (limit + 1)).validate()
