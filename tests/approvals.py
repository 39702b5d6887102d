"""What the approval tests share: a tool's schema, its callback's fixture, the answers' ids."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

import chatactions as ca
from chatactions.models import Conversation
from chatactions.registry import default_registry

from .conftest import Socket

DELETE_FILE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "path": {"type": "string", "title": "Path", "minLength": 1, "maxLength": 200},
        "recursive": {"type": "boolean"},
        "keep_days": {"type": "integer", "minimum": 0, "maximum": 30},
        "mode": {"type": "string", "enum": ["trash", "shred"]},
    },
    "required": ["path"],
    "additionalProperties": False,
}
ARGUMENTS: dict[str, Any] = {"path": "important_data.txt", "recursive": False, "mode": "trash"}


@dataclass
class Offered:
    """An approval as a tab received it: the ids of its three answers and its frame."""

    approval: ca.Approval
    frame: dict[str, Any]
    approve: str
    edit: str | None
    reject: str


def answer_ids(html: str) -> dict[str, str]:
    """The answers' ids by name, read from the message's HTML as the browser reads them."""
    found = dict(re.findall(r'data-form-id="([0-9a-f-]+)" data-form="chatactions:(\w+)"', html))
    ids = {name: form_id for form_id, name in found.items()}
    button = re.search(r'data-action-id="([0-9a-f-]+)"', html)
    if button is not None:
        ids["approve"] = button[1]
    return ids


async def offer_approval(
    socket: Socket,
    conversation: Conversation,
    tool: str = "t_delete_file",
    schema: dict[str, Any] | None = DELETE_FILE_SCHEMA,
    **kwargs: Any,
) -> Offered:
    """Send an approval of ``tool`` and read it from ``socket``, as a tab sees it."""
    approval = await ca.Approval(
        "The assistant wants to delete a file.",
        tool=tool,
        arguments=kwargs.pop("arguments", ARGUMENTS),
        schema=schema,
        payload={"run": "r-1", "secret": "s3cr3t-payload"},
        conversation=conversation,
        **kwargs,
    ).send()
    frame = await socket.receive()
    ids = answer_ids(frame["html"])
    return Offered(approval, frame, ids["approve"], ids.get("edit"), ids["reject"])


@pytest.fixture
def approval_callbacks() -> Iterator[Any]:
    """``@approval_callbacks(tool)`` registers an approval callback for one test only."""
    tools: list[str] = []

    def register(tool: str) -> Any:
        tools.append(tool)
        return default_registry.approval_callback(tool)

    yield register
    for tool in tools:
        default_registry.unregister_approval(tool)
