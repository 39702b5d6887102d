"""An approval no one decided in time: its callback runs once with ``expired``, never twice."""

from __future__ import annotations

import asyncio
import datetime
import io

import pytest
from asgiref.sync import sync_to_async
from django.core.management import call_command
from django.utils import timezone

import chatactions as ca
from chatactions import dispatch
from chatactions.models import Approval

from .approvals import approval_callbacks, offer_approval
from .conftest import Callbacks, Chat
from .rows import asnapshot

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["approval_callbacks"]


def past() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=1)


def expire_command() -> str:
    out = io.StringIO()
    call_command("chatactions", "expire", stdout=out)
    return out.getvalue()


async def test_the_expire_command_runs_the_callback_once_with_expired(
    chat: Chat, approval_callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    seen: list[ca.Decision] = []
    approval_callbacks("t_delete_file")(seen.append)
    offered = await offer_approval(socket, conversation, expires_at=past())
    assert await sync_to_async(expire_command)() == "Expired 1 approvals.\n"
    (decision,) = seen
    assert (decision.outcome, decision.arguments, decision.by) == ("expired", {}, None)
    assert decision.payload["run"] == "r-1"
    update = await socket.receive()
    assert update["type"] == "message.update" and update["id"] == offered.frame["id"]
    assert "**Expired: no one decided in time.**" in update["content"] and update["actions"] == []
    row = await Approval.objects.aget(uuid=offered.approval.id)
    assert (row.outcome, row.via, row.callback_status) == ("expired", "", "ok")
    before = await asnapshot()
    assert await sync_to_async(expire_command)() == "Expired 0 approvals.\n"
    assert len(seen) == 1 and await asnapshot() == before


async def test_an_answer_after_expiry_is_gone_and_runs_nothing(
    chat: Chat, approval_callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    seen: list[ca.Decision] = []
    approval_callbacks("t_delete_file")(seen.append)
    offered = await offer_approval(socket, conversation, expires_at=past())
    before = await asnapshot()
    _, ack = await socket.request({"type": "action", "id": offered.approve})
    assert ack["status"] == "gone" and ack["detail"] == "This button has expired."
    _, ack = await socket.request({"type": "submit", "id": offered.reject, "data": {}})
    assert ack["status"] == "gone" and ack["detail"] == "This form has expired."
    assert seen == []
    assert (await asnapshot())["approvals"] == before["approvals"]


async def test_a_tab_that_syncs_expires_what_is_due(
    chat: Chat, approval_callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    seen: list[ca.Decision] = []
    approval_callbacks("t_delete_file")(seen.append)
    await offer_approval(socket, conversation, expires_at=past())
    _, ack = await socket.request({"type": "sync", "since": 0})
    assert ack["status"] == "ok"
    assert [d.outcome for d in seen] == ["expired"]
    _, ack = await socket.request({"type": "sync", "since": 0})
    assert len(seen) == 1


async def test_sweepers_racing_expire_each_approval_once(
    chat: Chat, approval_callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    seen: list[ca.Decision] = []
    approval_callbacks("t_delete_file")(seen.append)
    for _ in range(3):
        await offer_approval(socket, conversation, expires_at=past())
    counts = await asyncio.gather(*(dispatch.expire_approvals() for _ in range(4)))
    assert sum(counts) == 3 and len(seen) == 3
    assert len({d.id for d in seen}) == 3


async def test_an_approval_not_yet_due_is_left_pending(
    chat: Chat, approval_callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    seen: list[ca.Decision] = []
    approval_callbacks("t_delete_file")(seen.append)
    offered = await offer_approval(socket, conversation, ttl=3600)
    assert await dispatch.expire_approvals() == 0 and seen == []
    _, ack = await socket.request({"type": "action", "id": offered.approve})
    assert ack["status"] == "ok" and [d.outcome for d in seen] == ["approved"]


class Stopped(Exception):
    """What the test's sleep raises, to end the sweeper's loop after its first sweep."""


def test_the_sweeper_keeps_sweeping_every_so_often(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 2:
            raise Stopped

    monkeypatch.setattr("chatactions.management.commands.chatactions.time.sleep", sleep)
    out = io.StringIO()
    with pytest.raises(Stopped):
        call_command("chatactions", "expire", "--every", "60", stdout=out)
    assert out.getvalue() == "Expired 0 approvals.\n" * 2 and slept == [60.0, 60.0]
