"""The demo's agent, scripted: asked to delete a file, it proposes ``delete_file`` and waits.

No model, no key, no network: the "agent" is this module, and its one tool
needs the owner's approval (``ca.Approval``), which may come from any tab or
process, hours later. Nothing is really deleted.
"""

from __future__ import annotations

import re

import chatactions as ca

DELETE_FILE_SCHEMA = {
    "type": "object",
    "properties": {
        "path": {"type": "string", "title": "Path", "minLength": 1, "maxLength": 200},
        "recursive": {"type": "boolean", "title": "Recursive"},
    },
    "required": ["path"],
    "additionalProperties": False,
}


def wants_a_file_deleted(text: str) -> str | None:
    """The file a message asks to delete ("delete the file notes.txt"), if it asks."""
    match = re.search(r"delete (?:the |a )?file\s*(\S+)?", text, re.IGNORECASE)
    if match is None:
        return None
    return match[1] or "important_data.txt"


async def propose_delete(path: str) -> None:
    """An agent's tool call as its owner sees it: the tool, its arguments, three answers."""
    await ca.Approval(
        "The assistant wants to delete a file.",
        tool="delete_file",
        arguments={"path": path, "recursive": False},
        schema=DELETE_FILE_SCHEMA,
        payload={"asked_by": "demo assistant"},
        ttl=3600,
    ).send()


@ca.approval_callback("delete_file")
async def delete_file(decision: ca.Decision) -> None:
    """Runs once per approval, wherever and whenever it is decided."""
    if decision.approved:
        path = decision.arguments["path"]
        await ca.Message(f"Okay, deleting '{path}'... (Not really!)").send()
    elif decision.outcome == "rejected":
        why = f" ({decision.reason})" if decision.reason else ""
        await ca.Message(f"Understood, I won't delete it{why}.").send()
    else:
        await ca.Message("No answer in time, so I left the file alone.").send()
