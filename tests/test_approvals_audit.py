"""The audit trail of approvals: who decided what, when, with which arguments before and after."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.test import Client

import chatactions as ca
from chatactions.models import ActionClick, Approval

from .approvals import ARGUMENTS, approval_callbacks, offer_approval
from .conftest import Callbacks, Visitor

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["approval_callbacks"]


async def test_a_signed_in_owners_edit_is_audited_with_both_argument_sets(
    approval_callbacks: Callbacks,
) -> None:
    seen: list[ca.Decision] = []
    approval_callbacks("t_delete_file")(seen.append)
    alice = await User.objects.acreate_user("alice", password="pw")
    visitor = Visitor()
    await sync_to_async(visitor.client.force_login)(alice)
    conversation = await sync_to_async(visitor.start)()
    socket = visitor.socket(conversation)
    await socket.connect()
    offered = await offer_approval(socket, conversation)
    data = {"path": "draft.txt", "mode": "trash"}
    _, ack = await socket.request({"type": "submit", "id": offered.edit, "data": data})
    assert ack["status"] == "ok"
    await socket.close()
    (decision,) = seen
    assert decision.by == alice  # the user, not an id
    row = await Approval.objects.select_related("decided_by").aget(uuid=offered.approval.id)
    assert row.decided_by == alice and row.decided_by_visitor is None
    assert row.arguments == ARGUMENTS  # before
    assert row.final_arguments == {"path": "draft.txt", "recursive": False, "mode": "trash"}
    assert (row.outcome, row.via, row.callback_status) == ("edited", "websocket", "ok")
    assert offered.edit is not None
    click = await ActionClick.objects.aget(action__uuid=offered.edit)
    assert click.user_id == alice.pk and click.fields == ["mode", "path"]

    admin = Client()
    boss = await User.objects.acreate_superuser("boss", password="pw")
    await sync_to_async(admin.force_login)(boss)
    listing = await sync_to_async(admin.get)("/admin/chatactions/approval/")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "t_delete_file" in text and "Edited" in text and "alice" in text
    page = await sync_to_async(admin.get)(f"/admin/chatactions/approval/{row.pk}/change/")
    body = page.content.decode()
    assert "important_data.txt" in body and "draft.txt" in body  # before and after
    assert 'name="tool"' not in body  # read-only: no inputs to rewrite history with
    add = await sync_to_async(admin.get)("/admin/chatactions/approval/add/")
    assert add.status_code == 403
    delete = await sync_to_async(admin.post)(
        f"/admin/chatactions/approval/{row.pk}/delete/", {"post": "yes"}
    )
    assert delete.status_code == 403
    assert await Approval.objects.filter(pk=row.pk).aexists()
