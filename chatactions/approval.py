"""``Approval``: ask the conversation's owner before an agent runs a tool.

The question is a message with three answers (Approve, Edit, Reject) that are
action rows like any button or form, so every door, the claim, ownership, the
rate limit and the audit trail apply unchanged. The arguments are stored with
an HMAC digest; the decision is bound to them, and the ``@approval_callback``
of the tool receives only the stored arguments or the owner's validated edit.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from . import approvalforms, bridge, digests, schemaform
from .action import Action
from .conf import chat_settings
from .context import Chat, ConversationRef, resolve_chat, resolve_chat_sync
from .core import approvals
from .core.drafts import ActionDraft, ApprovalDraft, MessageDraft
from .exceptions import ApprovalError
from .models import Approval as ApprovalRow
from .storable import length_problem, text_problem, value_problem


class Approval:
    """``await Approval("Delete it?", tool="delete_file", arguments={...}).send()``.

    ``schema`` (a JSON Schema of the arguments) adds Edit, a form generated
    from it; ``payload`` stays on the server for the callback; ``ttl`` (seconds
    or a ``timedelta``) or ``expires_at`` make the approval expire, and its
    callback then runs with ``expired``. Outside a handler pass ``conversation=``.
    """

    def __init__(
        self,
        content: str,
        *,
        tool: str,
        arguments: dict[str, Any],
        schema: dict[str, Any] | None = None,
        payload: dict[str, Any] | None = None,
        ttl: float | timedelta | None = None,
        expires_at: datetime | None = None,
        author: str | None = None,
        conversation: ConversationRef | None = None,
    ) -> None:
        if ttl is not None:
            if expires_at is not None:
                raise ApprovalError(f"Approval of {tool!r}: give ttl or expires_at, not both.")
            expires_at = timezone.now() + (
                ttl if isinstance(ttl, timedelta) else timedelta(seconds=ttl)
            )
        self.content = content
        self.tool = tool
        self.arguments = arguments
        self.schema = schema
        self.payload: dict[str, Any] = {} if payload is None else payload
        self.expires_at = expires_at
        self.author = author
        self.id: uuid.UUID = uuid.uuid4()
        self.message_id: uuid.UUID = uuid.uuid4()
        self._conversation = conversation

    def __repr__(self) -> str:
        return f"<Approval {self.tool!r} {self.id}>"

    def drafts(self) -> tuple[MessageDraft, ApprovalDraft]:
        """The message and approval rows, checked first: a bad one raises and saves nothing."""
        self._check()
        return self._message(), ApprovalDraft(
            id=self.id,
            tool=self.tool,
            arguments=self.arguments,
            digest=digests.digest(self.id, self.tool, self.arguments),
            schema=self.schema,
            payload=self.payload,
            expires_at=self.expires_at,
        )

    def _check(self) -> None:
        what = f"Approval of {self.tool!r}"
        if not isinstance(self.tool, str) or not self.tool.strip():
            raise ApprovalError(f"An approval needs a tool name, not {self.tool!r}.")
        if problem := length_problem(ApprovalRow, "tool", self.tool):
            raise ApprovalError(f"{what}: tool {problem}.")
        if not isinstance(self.content, str) or (problem := text_problem(self.content)):
            raise ApprovalError(f"{what}: content must be storable text ({problem}).")
        if self.expires_at is not None and timezone.is_naive(self.expires_at):
            raise ApprovalError(f"{what}: expires_at must be timezone-aware.")
        for name in ("arguments", "payload"):
            _check_json(what, name, getattr(self, name))
        if self.schema is not None:
            try:
                schemaform.check(self.schema)
                schemaform.check_arguments(self.schema, self.arguments)
                json.dumps(self.schema, allow_nan=False)
            except (schemaform.SchemaError, TypeError, ValueError) as exc:
                raise ApprovalError(
                    f"{what}: the schema cannot draw an Edit form: {exc}"
                ) from None

    def _message(self) -> MessageDraft:
        """The question: the content, the tool and its arguments, then the three answers."""
        content = f"{self.content}\n\n`{self.tool}`\n\n{approvals.code_block(self.arguments)}"
        button = Action("approve", _("Approve"), expires_at=self.expires_at).draft()
        answers: list[ActionDraft] = [replace(button, name=approvalforms.APPROVE)]
        common: dict[str, Any] = {"kind": "form", "expires_at": self.expires_at}
        if self.schema is not None:
            initial = {approvalforms.SCHEMA_KEY: self.schema, **self.arguments}
            answers.append(
                ActionDraft(
                    id=uuid.uuid4(),
                    name=approvalforms.EDIT,
                    label=_("Approve with these changes"),
                    form_class=approvalforms.EDIT_FORM,
                    initial=initial,
                    **common,
                )
            )
        answers.append(
            ActionDraft(
                id=uuid.uuid4(),
                name=approvalforms.REJECT,
                label=_("Reject"),
                variant="danger",
                form_class=approvalforms.REJECT_FORM,
                **common,
            )
        )
        return MessageDraft(
            id=self.message_id,
            content=content,
            author=self.author or "",
            exclusive=True,
            actions=tuple(answers),
        )

    async def send(self) -> Approval:
        """Save the approval and show it in every open tab; the owner decides later, anywhere."""
        chat = await resolve_chat(self._conversation)
        self._conversation = chat
        message, approval = self.drafts()
        await approvals.send(chat, message, approval)
        return self

    def send_sync(self) -> Approval:
        """``send()`` for sync code (views, commands, tasks), as ``Message.send_sync``."""

        def here() -> Approval:
            chat = resolve_chat_sync(self._conversation)
            self._conversation = chat
            approvals.send_sync(chat, *self.drafts())
            return self

        return bridge.twin(self.send, here)

    @property
    def chat(self) -> Chat | None:
        """The conversation it was sent to, once sent."""
        return self._conversation if isinstance(self._conversation, Chat) else None


def _check_json(what: str, name: str, value: Any) -> None:
    if not isinstance(value, dict):
        raise ApprovalError(f"{what}: {name} must be a dict.")
    try:
        text = json.dumps(value, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ApprovalError(f"{what}: {name} is not JSON-serialisable ({exc}).") from exc
    if (problem := value_problem(value)) is not None:
        raise ApprovalError(f"{what}: {name} cannot be stored: it {problem}.")
    limit = chat_settings.MAX_PAYLOAD_BYTES
    if len(text.encode()) > limit:
        raise ApprovalError(
            f"{what}: {name} is {len(text.encode())} bytes of JSON; the limit is {limit} "
            "(CHATACTIONS['MAX_PAYLOAD_BYTES'])."
        )
