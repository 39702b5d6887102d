"""The confirmation bot of the Chainlit Action chapter, on chatactions.

The texts are the chapter's. Beyond it, the buttons show what chatactions adds
(a variant, a Lucide icon, a tooltip), and each callback removes the clicked
button, as the chapter suggests, so a used button cannot be pressed again.
"tell me a story" streams a reply word by word (``story.py``, a stand-in for a
language model), which the Stop button can cut short (``on_stop`` answers).
"""

from __future__ import annotations

import chatactions as ca

from . import story


@ca.on_chat_start
async def start() -> None:
    await ca.Message(
        content="Hello! I can pretend to delete data. Try typing 'delete my data'."
    ).send()


@ca.on_message
async def handle_message(message: ca.Message) -> None:
    if "tell me a story" in message.content.lower():
        reply = ca.Message("")
        async for word in story.words():
            await reply.stream_token(word)
        await reply.send()
    elif "delete my data" in message.content.lower():
        confirm_action = ca.Action(
            name="confirm_delete",
            label="Confirm Deletion",
            payload={"user_id": "user123", "file": "important_data.txt"},
            tooltip="Pretends to delete the file: nothing is really deleted",
            icon="trash-2",
            variant="danger",
        )
        cancel_action = ca.Action(
            name="cancel_delete",
            label="Cancel",
            tooltip="Keep your data as it is",
            icon="x",
            variant="secondary",
        )
        await ca.Message(
            content="Are you sure you want to delete your data?",
            actions=[confirm_action, cancel_action],
        ).send()
    else:
        await ca.Message(content="Sorry, I didn't understand that. Try 'delete my data'.").send()


@ca.action_callback("confirm_delete")
async def on_confirm(action: ca.Action) -> None:
    user_id = action.payload.get("user_id", "unknown user")
    file = action.payload.get("file", "some data")
    await ca.Message(content=f"Okay, deleting '{file}' for {user_id}... (Not really!)").send()
    await action.remove()


@ca.action_callback("cancel_delete")
async def on_cancel(action: ca.Action) -> None:
    await ca.Message(content="Deletion cancelled.").send()
    await action.remove()


@ca.on_stop
async def on_stop() -> None:
    await ca.Message(content="Stopped. Ask again whenever you like.").send()
