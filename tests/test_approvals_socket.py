"""Approvals over the socket: approve, edit, reject; bound to the arguments shown; once."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async

import chatactions as ca
from chatactions.models import ActionClick, Approval

from .approvals import ARGUMENTS, approval_callbacks, offer_approval
from .conftest import Callbacks, Chat, Visitor
from .rows import asnapshot

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["approval_callbacks"]


async def test_an_approval_shows_the_tool_its_arguments_and_three_answers(chat: Chat) -> None:
    _, conversation, socket = chat
    offered = await offer_approval(socket, conversation)
    frame = offered.frame
    assert (
        "`t_delete_file`" in frame["content"]
        and '"path": "important_data.txt"' in frame["content"]
    )
    assert [a["label"] for a in frame["actions"]] == ["Approve"]
    html = frame["html"]
    assert "Approve with these changes</span>" in html and "Reject</span>" in html
    assert 'value="important_data.txt"' in html  # the Edit form is drawn with the arguments
    assert f'<label for="ca-{offered.reject}-reason">Reason (optional):</label>' in html
    assert "s3cr3t" not in html and "s3cr3t" not in frame["content"]  # the payload stays here
    assert offered.edit is not None


async def test_approve_runs_the_callback_once_with_the_stored_arguments(
    chat: Chat, approval_callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    seen: list[ca.Decision] = []

    @approval_callbacks("t_delete_file")
    async def decided(decision: ca.Decision) -> None:
        seen.append(decision)
        await ca.Message(f"Deleted {decision.arguments['path']}.").send()

    offered = await offer_approval(socket, conversation)
    frames, ack = await socket.request({"type": "action", "id": offered.approve})
    assert ack["status"] == "ok"
    types = [f["type"] for f in frames]
    assert types.count("action.remove") == 3  # Approve, Edit and Reject, in every tab
    update = next(f for f in frames if f["type"] == "message.update")
    assert update["id"] == offered.frame["id"] and "**Approved.**" in update["content"]
    assert update["actions"] == [] and update["form"] is None
    assert frames[-1]["content"] == "Deleted important_data.txt."
    (decision,) = seen
    assert decision.outcome == "approved" and decision.approved
    assert decision.arguments == ARGUMENTS and decision.requested == ARGUMENTS
    assert decision.payload == {"run": "r-1", "secret": "s3cr3t-payload"}
    assert decision.by == conversation.visitor and decision.via == "websocket"
    assert decision.allows("t_delete_file", dict(ARGUMENTS))
    assert not decision.allows("t_delete_file", {**ARGUMENTS, "path": "/"})
    row = await Approval.objects.aget(uuid=offered.approval.id)
    assert (row.outcome, row.final_arguments, row.via) == ("approved", ARGUMENTS, "websocket")
    assert row.decided_by_visitor == conversation.visitor and row.decided_at is not None
    assert row.callback_status == "ok"
    click = await ActionClick.objects.aget(action__uuid=offered.approve)
    assert (click.outcome, click.via) == ("ok", "websocket")
    _, again = await socket.request({"type": "action", "id": offered.approve})
    assert again["status"] == "gone" and len(seen) == 1


async def test_an_edit_runs_with_the_owners_validated_values(
    chat: Chat, approval_callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    seen: list[ca.Decision] = []
    approval_callbacks("t_delete_file")(seen.append)
    offered = await offer_approval(socket, conversation)
    data = {"path": "old.txt", "keep_days": "7", "mode": "shred", "smuggled": "rm -rf /"}
    frames, ack = await socket.request({"type": "submit", "id": offered.edit, "data": data})
    assert ack["status"] == "ok"
    (decision,) = seen
    assert decision.outcome == "edited"
    # Only the schema's fields, typed; the unticked box is false; the smuggled key is dropped.
    assert decision.arguments == {
        "path": "old.txt",
        "recursive": False,
        "keep_days": 7,
        "mode": "shred",
    }
    assert decision.requested == ARGUMENTS
    update = next(f for f in frames if f["type"] == "message.update")
    assert "**Approved with changes:**" in update["content"] and '"old.txt"' in update["content"]
    row = await Approval.objects.aget(uuid=offered.approval.id)
    assert row.arguments == ARGUMENTS and row.final_arguments == decision.arguments


async def test_an_invalid_edit_runs_nothing_and_shows_the_errors(
    chat: Chat, approval_callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    seen: list[ca.Decision] = []
    approval_callbacks("t_delete_file")(seen.append)
    offered = await offer_approval(socket, conversation)
    before = await asnapshot()
    data = {"path": "", "keep_days": "99", "mode": "melt"}
    frames, ack = await socket.request({"type": "submit", "id": offered.edit, "data": data})
    assert frames == [] and seen == []
    assert ack["status"] == "invalid"
    assert ack["errors"] == {
        "path": ["This field is required."],
        "keep_days": ["Ensure this value is less than or equal to 30."],
        "mode": ["Select a valid choice. melt is not one of the available choices."],
    }
    assert 'aria-invalid="true"' in ack["html"]
    after = await asnapshot()
    assert after["approvals"] == before["approvals"] and after["actions"] == before["actions"]
    assert after["messages"] == before["messages"]
    _, ack = await socket.request(
        {"type": "submit", "id": offered.edit, "data": {"path": "ok.txt"}}
    )
    assert ack["status"] == "ok" and [d.arguments for d in seen] == [
        {"path": "ok.txt", "recursive": False}
    ]


async def test_reject_carries_the_owners_reason_and_no_arguments(
    chat: Chat, approval_callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    seen: list[ca.Decision] = []
    approval_callbacks("t_delete_file")(seen.append)
    offered = await offer_approval(socket, conversation)
    data = {"reason": "  Not that file, it is the backup.  "}
    frames, ack = await socket.request({"type": "submit", "id": offered.reject, "data": data})
    assert ack["status"] == "ok"
    (decision,) = seen
    assert (decision.outcome, decision.reason) == ("rejected", "Not that file, it is the backup.")
    assert decision.arguments == {} and not decision.approved
    assert not decision.allows("t_delete_file", ARGUMENTS)
    update = next(f for f in frames if f["type"] == "message.update")
    assert "**Rejected.**" in update["content"] and "it is the backup" in update["content"]


async def test_a_foreign_requester_gets_not_found_and_changes_nothing(
    chat: Chat, approval_callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    seen: list[ca.Decision] = []
    approval_callbacks("t_delete_file")(seen.append)
    offered = await offer_approval(socket, conversation)
    stranger = Visitor()
    theirs = await sync_to_async(stranger.start)()
    other = stranger.socket(theirs)
    await other.connect()
    before = await asnapshot()
    for frame in (
        {"type": "action", "id": offered.approve},
        {"type": "submit", "id": offered.edit, "data": {"path": "x"}},
        {"type": "submit", "id": offered.reject, "data": {}},
    ):
        _, ack = await other.request(frame)
        assert ack["status"] == "not_found"
    after = await asnapshot()
    assert after["approvals"] == before["approvals"] and after["actions"] == before["actions"]
    assert seen == [] and await socket.nothing_more()
    await other.close()


async def test_two_tabs_deciding_at_once_run_the_callback_once(
    chat: Chat, approval_callbacks: Callbacks
) -> None:
    visitor, conversation, socket = chat
    seen: list[ca.Decision] = []
    started, release = asyncio.Event(), asyncio.Event()

    @approval_callbacks("t_delete_file")
    async def decided(decision: ca.Decision) -> None:
        seen.append(decision)
        started.set()
        await release.wait()

    other = visitor.socket(conversation)
    await other.connect()
    offered = await offer_approval(socket, conversation)
    await other.receive()  # a tab that was open when the approval came
    first = asyncio.ensure_future(socket.request({"type": "action", "id": offered.approve}))
    second = asyncio.ensure_future(
        other.request({"type": "submit", "id": offered.reject, "data": {"reason": "no"}})
    )
    await started.wait()  # one decision runs; the other door is answered meanwhile
    done, _ = await asyncio.wait({first, second}, return_when=asyncio.FIRST_COMPLETED)
    assert [task.result()[1]["status"] for task in done] == ["gone"]
    release.set()
    acks = [(await task)[1]["status"] for task in (first, second)]
    assert sorted(acks) == ["gone", "ok"]
    assert len(seen) == 1
    row = await Approval.objects.aget(uuid=offered.approval.id)
    assert row.outcome == seen[0].outcome
    await other.close()


async def test_arguments_changed_after_they_were_shown_are_never_run(
    chat: Chat, approval_callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    seen: list[ca.Decision] = []
    approval_callbacks("t_delete_file")(seen.append)
    offered = await offer_approval(socket, conversation)
    forged = {**ARGUMENTS, "path": "/etc/passwd"}
    await Approval.objects.filter(uuid=offered.approval.id).aupdate(arguments=forged)
    _, ack = await socket.request({"type": "action", "id": offered.approve})
    assert ack["status"] == "error" and "changed after they were shown" in ack["detail"]
    (decision,) = seen  # the agent hears "no", and runs nothing
    assert decision.outcome == "rejected" and decision.arguments == {}
    row = await Approval.objects.aget(uuid=offered.approval.id)
    assert row.outcome == "rejected" and row.final_arguments is None


async def test_an_approval_without_a_callback_is_decided_and_its_error_recorded(
    chat: Chat,
) -> None:
    _, conversation, socket = chat
    offered = await offer_approval(socket, conversation, tool="nobody_listens")
    _, ack = await socket.request({"type": "action", "id": offered.approve})
    assert ack["status"] == "error"
    row = await Approval.objects.aget(uuid=offered.approval.id)
    assert row.outcome == "approved" and row.callback_status == "error"
    assert "No approval callback 'nobody_listens'" in row.callback_error
