"""The confirmation bot of the Chainlit Action chapter, on chatactions.

The texts are the chapter's. Beyond it, the buttons show what chatactions adds
(a variant, a Lucide icon, a tooltip), and each callback removes the clicked
button, as the chapter suggests, so a used button cannot be pressed again.
"ship my order" asks with a Django form (with an optional photo: a file
upload), sums the answer up with "Confirm"/"Change" buttons, and "Change" asks
again with the previous answers; "what is your name?" waits for a typed answer
(``AskUserMessage``).
"tell me a story" streams a reply word by word (``story.py``, a stand-in for a
language model), which the Stop button can cut short (``on_stop`` answers).
"delete the file notes.txt" hands the message to the assistant (``assistant.py``,
a Pydantic AI agent, also its own app at ``/assistant/``), which asks for
approval before its ``delete_file`` tool runs.
"""

from __future__ import annotations

import posixpath
from typing import Any

import chatactions as ca

from . import assistant, scripted, story
from .forms import ShippingForm, as_initial

ORDER = 42
EXTRAS = {"gift": "Gift wrap", "note": "Card"}


async def ask_shipping(initial: dict[str, Any] | None = None) -> None:
    """The shipping form, with the previous answers when the user wants to change them."""
    await ca.Message(
        content="Where should we ship it?",
        form=ca.Form(
            "ship",
            ShippingForm,
            initial=initial or {"speed": "standard"},
            payload={"order": ORDER},
            submit_label="Ship",
        ),
    ).send()


@ca.on_chat_start
async def start() -> None:
    await ca.Message(
        content="Hello! I can pretend to delete data. Try typing 'delete my data'."
    ).send()


@ca.on_message
async def handle_message(message: ca.Message) -> None:
    text = message.content.lower()
    if "ship my order" in text:
        await ask_shipping()
        return
    if "what is your name" in text:
        reply = await ca.AskUserMessage("What is your name?", timeout=120).send()
        if reply is not None:
            await ca.Message(content=f"Nice to meet you, {reply.content}!").send()
        return
    if "tell me a story" in text:
        streamed = ca.Message("")
        async for word in story.words():
            await streamed.stream_token(word)
        await streamed.send()
        return
    if scripted.wants_a_file_deleted(message.content) is not None:
        await assistant.in_demo_bot.run(message.content)
        return
    if "delete my data" in text:
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


@ca.form_callback("ship")
async def ship(submission: ca.Submission) -> None:
    data = submission.cleaned_data
    extras = ", ".join(EXTRAS[extra] for extra in data["extras"])
    answers = as_initial(data)
    # The photo was stored through Django's default storage; files has its name there.
    photo = submission.files.get("photo")
    attached = f" Photo: {posixpath.basename(photo)}." if photo else ""
    await ca.Message(
        content=(
            f"Order {submission.payload['order']}: **{data['speed']}** to {data['address']} "
            f"on {data['when']:%d %B %Y}"
            + (f", with {extras.lower()}." if extras else ".")
            + attached
        ),
        actions=[
            ca.Action("confirm_shipping", "Confirm", {"order": ORDER}, icon="check"),
            ca.Action("change_shipping", "Change", answers, icon="pencil", variant="secondary"),
        ],
        exclusive=True,
    ).send()
    await submission.remove()


@ca.action_callback("confirm_shipping")
async def confirm_shipping(action: ca.Action) -> None:
    await ca.Message(content=f"Order {action.payload['order']} is on its way.").send()


@ca.action_callback("change_shipping")
async def change_shipping(action: ca.Action) -> None:
    await ask_shipping(initial=action.payload)


@ca.on_stop
async def on_stop() -> None:
    await ca.Message(content="Stopped. Ask again whenever you like.").send()
