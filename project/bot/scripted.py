"""The demo assistant's default model, scripted: no key, no network, the same answers every time.

A Pydantic AI ``FunctionModel`` that reads the conversation as a model would:
asked to delete a file ("delete the file notes.txt") it calls ``delete_file``,
which waits for the owner's approval; given the call's result (run, rejected
with a reason, or expired) it says so in words, streamed word by word;
anything else it answers with what it can do.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

from pydantic_ai.messages import ModelMessage, ToolReturnPart, UserPromptPart
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, DeltaToolCalls, FunctionModel

from chatactions.agents.pydantic_ai import EXPIRED, REJECTED

HELP = "I can pretend to delete a file, once you approve it. Try 'delete the file notes.txt'."


def wants_a_file_deleted(text: str) -> str | None:
    """The file a message asks to delete ("delete the file notes.txt"), if it asks."""
    match = re.search(r"delete (?:the |a )?file\s*(\S+)?", text, re.IGNORECASE)
    if match is None:
        return None
    return match[1] or "important_data.txt"


def answer(result: ToolReturnPart) -> str:
    """What the assistant says of its call's result: done, or why it was not."""
    if result.outcome == "success" and isinstance(result.content, dict):
        return f"Okay, deleting '{result.content['deleted']}'... (Not really!)"
    if result.content == EXPIRED:
        return "No answer in time, so I left the file alone."
    if result.content == REJECTED:
        return "Understood, I won't delete it."
    return f"Understood, I won't delete it ({result.content})."


async def script(
    messages: list[ModelMessage], info: AgentInfo
) -> AsyncIterator[str | DeltaToolCalls]:
    """One model turn: a tool call, or text streamed in words."""
    parts = messages[-1].parts
    results = [p for p in parts if isinstance(p, ToolReturnPart)]
    if results:
        text = " ".join(answer(result) for result in results)
    else:
        prompt = next((p.content for p in parts if isinstance(p, UserPromptPart)), "")
        path = wants_a_file_deleted(prompt if isinstance(prompt, str) else "")
        if path is not None:
            arguments = json.dumps({"path": path, "recursive": False})
            call = DeltaToolCall("delete_file", arguments, tool_call_id=f"call_{len(messages)}")
            yield {0: call}
            return
        text = HELP
    words = text.split(" ")
    for i, word in enumerate(words):
        yield word if i == len(words) - 1 else word + " "


def model() -> FunctionModel:
    return FunctionModel(stream_function=script, model_name="scripted")
