"""The chapter's confirmation bot exactly as the chapter writes it, in its own app.

The demo bot removes a clicked button; the chapter's (and Chainlit's demo) does
not, so the benchmark clicks one button again and again, as Chainlit's figures
were measured.
"""

from __future__ import annotations

import asyncio
import time

import chatactions as ca

from .forms import ShipForm, ShipPhotoForm

bench = ca.ChatRegistry("bench")


async def stream(tokens: int, rate: float) -> None:
    """``bench/streams.py``: ``tokens`` tokens at ``rate`` a second, each its send time."""
    reply = ca.Message("")
    start = time.monotonic()
    for i in range(tokens):
        await reply.stream_token(f"{time.time():.6f} ")
        ahead = start + (i + 1) / rate - time.monotonic()
        if ahead > 0:
            await asyncio.sleep(ahead)
    await reply.send()


@bench.on_message
async def handle_message(message: ca.Message) -> None:
    if message.content.startswith("stream "):
        _, tokens, rate = message.content.split()
        await stream(int(tokens), float(rate))
    elif message.content == "ship":  # bench/submit_vs_click.py: one fresh form per submission
        await ca.Message("Where to?", form=ca.Form("ship", ShipForm, payload={"order": 1})).send()
    elif message.content == "ship photo":  # and one with a file, uploaded over HTTP
        form = ca.Form("ship", ShipPhotoForm, payload={"order": 1})
        await ca.Message("Where to, and a photo?", form=form).send()
    elif message.content == "approve":  # bench/approve_vs_click.py: one fresh approval each time
        await ca.Approval(
            "Delete it?", tool="bench_delete", arguments={"path": "important_data.txt"}
        ).send()
    elif "delete my data" in message.content.lower():
        await ca.Message(
            content="Are you sure you want to delete your data?",
            actions=[
                ca.Action(
                    name="confirm_delete",
                    label="Confirm Deletion",
                    payload={"user_id": "user123", "file": "important_data.txt"},
                ),
                ca.Action(name="cancel_delete", label="Cancel"),
            ],
        ).send()
    else:
        await ca.Message(content="Sorry, I didn't understand that. Try 'delete my data'.").send()


@bench.action_callback("confirm_delete")
async def on_confirm(action: ca.Action) -> None:
    user_id = action.payload.get("user_id", "unknown user")
    file = action.payload.get("file", "some data")
    await ca.Message(content=f"Okay, deleting '{file}' for {user_id}... (Not really!)").send()


@bench.action_callback("cancel_delete")
async def on_cancel(action: ca.Action) -> None:
    await ca.Message(content="Deletion cancelled.").send()


@bench.form_callback("ship")
async def on_ship(submission: ca.Submission) -> None:
    await ca.Message(content=f"Shipping to {submission.cleaned_data['address']}.").send()


@bench.approval_callback("bench_delete")
async def on_decided(decision: ca.Decision) -> None:
    await ca.Message(content=f"Okay, deleting '{decision.arguments['path']}'.").send()
