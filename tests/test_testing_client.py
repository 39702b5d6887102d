"""chatactions.testing: the client a site's own tests use, in every kind of Django test.

The demo bot is the chapter's, so each test here is the ten-line test the
README promises, run in pytest-django (async and sync), Django's ``TestCase``
and ``TransactionTestCase``; then the failures, each as readable as a message.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.test import TestCase, TransactionTestCase, override_settings

import chatactions as ca
from chatactions import NotRegistered
from chatactions.models import Action, ActionClick, Conversation, Message
from chatactions.testing import AsyncChatClient, ChatClient

from .conftest import Callbacks

GREETING = "Hello! I can pretend to delete data. Try typing 'delete my data'."
DELETED = "Okay, deleting 'important_data.txt' for user123... (Not really!)"


@pytest.mark.django_db(transaction=True)
async def test_the_chapter_in_an_async_pytest_test() -> None:
    chat = await AsyncChatClient.start()
    assert chat.last.text == GREETING
    answer = await chat.write("delete my data")
    assert [m.text for m in answer.messages] == [
        "delete my data",
        "Are you sure you want to delete your data?",
    ]
    assert answer.messages[0].from_user and not answer.messages[1].from_user
    assert chat.last.labels == ["Confirm Deletion", "Cancel"]
    await chat.click("Confirm Deletion")
    assert chat.last.text == DELETED
    assert chat.messages[-2].labels == ["Cancel"]  # the callback removed the one clicked
    assert await ActionClick.objects.filter(outcome="ok").acount() == 1


@pytest.mark.django_db
def test_the_chapter_in_a_sync_pytest_test() -> None:
    chat = ChatClient.start()
    chat.write("delete my data")
    answer = chat.click("Cancel")
    assert answer.status == "ok" and [m.text for m in answer.messages] == ["Deletion cancelled."]
    assert [m.text for m in chat.messages] == [
        GREETING,
        "delete my data",
        "Are you sure you want to delete your data?",
        "Deletion cancelled.",
    ]
    assert chat.messages[2].labels == ["Confirm Deletion"]  # the clicked one was removed


def test_a_user_chats_as_themself(django_user_model: type[User], db: None) -> None:
    alice = django_user_model.objects.create_user("alice")
    chat = ChatClient.start(user=alice)
    chat.write("hello")
    assert Conversation.objects.get().user == alice
    assert Message.objects.filter(from_user=True, conversation__user=alice).count() == 1
    assert chat.last.text == "Sorry, I didn't understand that. Try 'delete my data'."


class InATestCase(TestCase):
    """The test's transaction holds the user; the socket's database work sees it."""

    user: User

    @classmethod
    def setUpTestData(cls) -> None:
        cls.user = User.objects.create_user("bob")

    def test_sync(self) -> None:
        chat = ChatClient.start(user=self.user)
        chat.write("delete my data")
        chat.click("Confirm Deletion")
        self.assertEqual(chat.last.text, DELETED)
        self.assertEqual(Conversation.objects.get().user, self.user)

    async def test_async(self) -> None:
        chat = await AsyncChatClient.start(user=self.user)
        await chat.write("delete my data")
        await chat.click("Cancel")
        self.assertEqual(chat.last.text, "Deletion cancelled.")


class InATransactionTestCase(TransactionTestCase):
    def test_anonymous_visitor(self) -> None:
        chat = ChatClient.start()
        chat.write("delete my data")
        chat.click("Confirm Deletion")
        self.assertEqual(chat.last.text, DELETED)
        self.assertIsNone(Conversation.objects.get().user)


@pytest.mark.django_db
def test_a_missing_label_names_the_buttons_there_are() -> None:
    chat = ChatClient.start()
    with pytest.raises(
        AssertionError, match=r"no button 'Confirm' in the last message; it has no"
    ):
        chat.click("Confirm")
    chat.write("delete my data")
    clicks = ActionClick.objects.count()
    message = "no button 'Confirm' in the last message; it has 'Confirm Deletion', 'Cancel'"
    with pytest.raises(AssertionError, match=re.escape(message)):
        chat.click("Confirm")
    assert ActionClick.objects.count() == clicks  # nothing was sent
    assert chat.button("Cancel").name == "cancel_delete"


@pytest.mark.django_db
def test_an_answer_other_than_expected_fails_with_the_status_and_the_error(
    callbacks: Callbacks,
) -> None:
    chat = ChatClient.start()

    @callbacks("explode")
    def explode(action: Any) -> None:
        raise ValueError("the disk is on fire")

    Action.objects.create(
        message=Message.objects.create(conversation=Conversation.objects.get(), content="?"),
        name="explode",
        label="Boom",
    )
    chat.refresh()
    with pytest.raises(AssertionError) as failure:
        chat.click("Boom")
    assert "clicking 'Boom' answered 'error'" in str(failure.value)
    assert "expected 'ok'" in str(failure.value)
    assert "ValueError: the disk is on fire" in str(failure.value)
    assert chat.click("Boom", expect="error").status == "error"


@pytest.mark.django_db
def test_a_frame_the_server_refuses_is_an_answer_not_a_crash() -> None:
    chat = ChatClient.start()
    answer = chat.write("", expect="invalid")
    assert answer.status == "invalid" and answer.detail
    refused = r"^writing '' answered 'invalid' \(.+\), expected 'ok'$"  # no click error quoted
    with pytest.raises(AssertionError, match=refused):
        chat.write("")
    answer = chat.request({"type": "action", "id": "not-an-id"}, expect=None)
    assert answer.status == "invalid"
    assert Message.objects.filter(from_user=True).count() == 0


@pytest.mark.django_db
def test_allowed_hosts_are_read_when_the_socket_connects_not_at_import() -> None:
    chat = ChatClient.start()  # "testserver", added by the test run after asgi.py was imported
    with override_settings(ALLOWED_HOSTS=["chat.example.com"]):
        with pytest.raises(AssertionError, match=r"refused .*Origin http://testserver"):
            chat.write("hello")
        assert Message.objects.filter(from_user=True).count() == 0
        inner = chat.async_client
        ChatClient(inner.conversation_id, inner.cookies, host="chat.example.com").write("hello")
    assert Message.objects.filter(from_user=True).count() == 1


@pytest.mark.django_db
def test_someone_elses_conversation_is_not_found() -> None:
    mine = ChatClient.start()
    theirs = ChatClient.start()
    intruder = ChatClient(mine.async_client.conversation_id, theirs.async_client.cookies)
    with pytest.raises(AssertionError, match=r"closed \(4404\): no such conversation"):
        intruder.write("hello")
    assert Message.objects.filter(from_user=True).count() == 0


@pytest.mark.django_db
@override_settings(CHATACTIONS={"ALLOW_ANONYMOUS": False})
def test_an_anonymous_visitor_on_a_members_only_site_is_told_to_pass_a_user() -> None:
    with pytest.raises(AssertionError, match="ALLOW_ANONYMOUS is False; pass user="):
        ChatClient.start()
    assert Conversation.objects.count() == 0


@pytest.mark.django_db(transaction=True)
async def test_refresh_shows_what_was_sent_meanwhile() -> None:
    chat = await AsyncChatClient.start()
    conversation = await Conversation.objects.aget()
    await sync_to_async(Message.objects.create)(
        conversation=conversation, content="from elsewhere"
    )
    assert chat.last.text == GREETING
    await chat.refresh()
    assert chat.last.text == "from elsewhere"


@pytest.mark.django_db(transaction=True)
async def test_edits_and_removals_change_the_messages_as_in_a_tab(callbacks: Callbacks) -> None:
    @callbacks("tidy")
    async def tidy(action: Any) -> str:
        note = await ca.Message("working").send()
        note.content = "done"
        await note.update()
        await gone.remove()
        return "tidied"

    chat = await AsyncChatClient.start()
    conversation = await Conversation.objects.aget()
    gone = await ca.Message("scratch", conversation=conversation).send()
    tidy_button = ca.Action("tidy", label="Tidy")
    await ca.Message("?", actions=[tidy_button], conversation=conversation).send()
    await chat.refresh()
    assert [m.text for m in chat.messages] == [GREETING, "scratch", "?"]
    answer = await chat.click("Tidy")
    assert answer.notice == "tidied"
    assert [m.text for m in answer.messages] == ["working"]  # new ones; "done" is its edit
    assert [m.text for m in chat.messages] == [GREETING, "?", "done"]


@pytest.mark.django_db
def test_a_chat_app_that_does_not_exist_fails_before_any_row() -> None:
    with pytest.raises(NotRegistered, match="suport"):
        ChatClient.start("suport")
    assert Conversation.objects.count() == 0


helpdesk = ca.ChatRegistry("testing-helpdesk")


@helpdesk.on_chat_start
async def helpdesk_start() -> None:
    await ca.Message("Helpdesk. What broke?", author="Helpdesk").send()


@pytest.mark.django_db
def test_a_conversation_of_another_chat_app() -> None:
    chat = ChatClient.start("testing-helpdesk")
    assert (chat.last.author, chat.last.text) == ("Helpdesk", "Helpdesk. What broke?")
    assert Conversation.objects.get().app == "testing-helpdesk"


silent = ca.ChatRegistry("testing-silent")


@pytest.mark.django_db
def test_a_chat_app_without_a_greeting_starts_empty() -> None:
    chat = ChatClient.start("testing-silent")
    assert chat.messages == []
    with pytest.raises(AssertionError, match="the conversation has no messages"):
        chat.last  # noqa: B018


@pytest.mark.django_db
def test_with_debug_and_no_allowed_hosts_only_the_local_names_may_connect() -> None:
    chat = ChatClient.start(host="localhost")
    inner = chat.async_client
    with override_settings(DEBUG=True, ALLOWED_HOSTS=[]):
        chat.write("hello")  # Channels' rule: localhost, 127.0.0.1 and [::1] with DEBUG
        with pytest.raises(AssertionError, match="refused"):
            ChatClient(inner.conversation_id, inner.cookies).write("from testserver")
    assert list(Message.objects.filter(from_user=True).values_list("content", flat=True)) == [
        "hello"
    ]
