"""``ca.Approval`` and ``@approval_callback`` as code meets them: what is refused, and where."""

from __future__ import annotations

import datetime
import io
import uuid
from typing import Any

import pytest
from django.core.management import call_command
from pytest_django.fixtures import Settings

import chatactions as ca
from chatactions import digests
from chatactions.exceptions import AlreadyRegistered, InvalidCallback, NotRegistered
from chatactions.models import Approval, Conversation
from chatactions.registry import ChatRegistry, default_registry

from .approvals import ARGUMENTS, DELETE_FILE_SCHEMA
from .rows import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation() -> Conversation:
    return Conversation.objects.create(visitor=uuid.uuid4())


def approval(conversation: Conversation, **kwargs: Any) -> ca.Approval:
    fields: dict[str, Any] = {"tool": "t_delete_file", "arguments": dict(ARGUMENTS)}
    return ca.Approval("Delete?", conversation=conversation, **{**fields, **kwargs})


def test_a_second_callback_for_a_tool_names_both_places() -> None:
    reg = ChatRegistry("t_approvals")

    @reg.approval_callback("t_delete_file")
    async def first(decision: ca.Decision) -> None:
        return None

    async def second(decision: ca.Decision) -> None:
        return None

    with pytest.raises(AlreadyRegistered) as excinfo:
        reg.approval_callback("t_delete_file")(second)
    assert "first" in str(excinfo.value) and "second" in str(excinfo.value)
    assert reg.approval_tools() == ["t_delete_file"]
    assert reg.get_approval_callback("t_delete_file").func is first
    reg.unregister_approval("t_delete_file")
    with pytest.raises(NotRegistered, match="No approval callback 't_delete_file'"):
        reg.get_approval_callback("t_delete_file")


@pytest.mark.parametrize("tool", ["", "  ", None, 3])
def test_a_callback_needs_a_tool_name(tool: Any) -> None:
    with pytest.raises(InvalidCallback, match="tool name"):
        ChatRegistry("t_bad_tool").approval_callback(tool)


def test_a_callback_taking_two_arguments_is_refused() -> None:
    with pytest.raises(InvalidCallback, match="at most one argument"):
        ChatRegistry("t_two").approval_callback("x")(lambda a, b: None)


def test_the_callbacks_command_lists_approval_callbacks() -> None:
    @default_registry.approval_callback("t_listed")
    def listed(decision: ca.Decision) -> None:
        return None

    out = io.StringIO()
    try:
        call_command("chatactions", "callbacks", stdout=out)
    finally:
        default_registry.unregister_approval("t_listed")
    assert "default\tt_listed\ttests.test_approvals_api" in out.getvalue()


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"tool": ""}, "needs a tool name"),
        ({"tool": "x" * 101}, "tool is 101 characters"),
        ({"arguments": ["a"]}, "arguments must be a dict"),
        ({"arguments": {"when": datetime.date(2026, 1, 1)}}, "not JSON-serialisable"),
        ({"arguments": {"n": float("nan")}}, "not JSON-serialisable"),
        ({"arguments": {"p": "x" * 9000}}, "MAX_PAYLOAD_BYTES"),
        ({"payload": "run-1"}, "payload must be a dict"),
        ({"expires_at": datetime.datetime(2030, 1, 1)}, "timezone-aware"),
        ({"ttl": 5, "expires_at": datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)}, "not both"),
        ({"schema": {"type": "array"}}, '"type": "object"'),
        (
            {"schema": {"type": "object", "properties": {"p": {"type": "array"}}}},
            "type 'array' is not supported",
        ),
        (
            {
                "schema": {
                    "type": "object",
                    "properties": {"p": {"type": "string", "pattern": "x"}},
                }
            },
            "unsupported keyword(s) pattern",
        ),
        ({"schema": {**DELETE_FILE_SCHEMA, "$defs": {}}}, "unsupported keyword(s) $defs"),
        (
            {"schema": {**DELETE_FILE_SCHEMA, "additionalProperties": True}},
            "additionalProperties",
        ),
        ({"schema": DELETE_FILE_SCHEMA, "arguments": {"path": 3}}, "argument 'path' must be a"),
        ({"schema": DELETE_FILE_SCHEMA, "arguments": {"mode": "trash"}}, "required argument"),
        ({"schema": DELETE_FILE_SCHEMA, "arguments": {"path": "a", "x": 1}}, "x are not in"),
        ({"schema": DELETE_FILE_SCHEMA, "arguments": {"path": "a", "mode": "melt"}}, "enum"),
    ],
)
def test_what_cannot_be_asked_is_refused_at_send_and_saves_nothing(
    conversation: Conversation, kwargs: dict[str, Any], problem: str
) -> None:
    before = snapshot()
    with pytest.raises(ca.ApprovalError) as excinfo:
        approval(conversation, **kwargs).send_sync()
    assert problem in str(excinfo.value)
    assert isinstance(excinfo.value, ca.InvalidMessage)
    assert snapshot() == before


def test_a_sent_approval_stores_its_arguments_and_their_digest(
    conversation: Conversation,
) -> None:
    sent = approval(conversation, schema=DELETE_FILE_SCHEMA, ttl=60).send_sync()
    row = Approval.objects.get(uuid=sent.id)
    assert row.arguments == ARGUMENTS and row.outcome == "" and row.is_pending
    assert digests.matches(row.uuid, "t_delete_file", ARGUMENTS, row.digest)
    assert not digests.matches(row.uuid, "t_delete_file", {**ARGUMENTS, "path": "/"}, row.digest)
    assert not digests.matches(row.uuid, "shred_file", ARGUMENTS, row.digest)
    assert row.expires_at is not None
    names = sorted(row.message.actions.values_list("name", flat=True))
    assert names == ["chatactions:approve", "chatactions:edit", "chatactions:reject"]
    assert set(row.message.actions.values_list("expires_at", flat=True)) == {row.expires_at}
    assert row.message.exclusive


def test_without_a_schema_there_is_no_edit(conversation: Conversation) -> None:
    sent = approval(conversation).send_sync()
    row = Approval.objects.get(uuid=sent.id)
    assert sorted(row.message.actions.values_list("name", flat=True)) == [
        "chatactions:approve",
        "chatactions:reject",
    ]


def test_a_digest_made_under_a_rotated_key_still_matches(settings: Settings) -> None:
    row_id = Approval().uuid
    old = digests.digest(row_id, "t", {"a": 1})
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-" + "x" * 50
    assert digests.matches(row_id, "t", {"a": 1}, old)
    assert digests.digest(row_id, "t", {"a": 1}) != old


def test_the_answers_names_are_reserved_for_chatactions(conversation: Conversation) -> None:
    with pytest.raises(ca.ActionError, match="chatactions' own"):
        ca.Message(
            "x", actions=[ca.Action("chatactions:approve")], conversation=conversation
        ).send_sync()
