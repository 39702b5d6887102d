"""The gallery's callbacks: a notice, a slow task held until released, an error, edits."""

from __future__ import annotations

import asyncio

import chatactions as ca

_released: dict[str, asyncio.Event] = {}


def _event() -> asyncio.Event:
    return _released.setdefault(ca.current_chat().id, asyncio.Event())


@ca.action_callback("gallery_notice")
async def save_draft() -> str:
    return "Draft saved."


@ca.action_callback("gallery_slow")
async def slow_task() -> str:
    """Runs until another tab clicks Release, so a test can look at it while it runs."""
    event = _event()
    await asyncio.wait_for(event.wait(), 30)
    event.clear()
    return "Slow task finished."


@ca.action_callback("gallery_release")
async def release() -> None:
    _event().set()


@ca.action_callback("gallery_archive")
async def archive() -> None:
    await ca.Message("Archived.").send()


@ca.action_callback("gallery_boom")
async def boom() -> None:
    raise RuntimeError("the gallery's Break button")


@ca.action_callback("gallery_locked")
async def locked() -> None:
    await ca.Message("A disabled button was clicked.").send()


@ca.action_callback("gallery_edit")
async def edit(action: ca.Action) -> None:
    delete = ca.Action("gallery_delete", "Delete", icon="trash-2", variant="danger")
    message = ca.Message("This message was **edited**.", actions=[delete])
    assert action.for_id is not None
    message.id = action.for_id
    await message.update()


@ca.action_callback("gallery_delete")
async def delete(action: ca.Action) -> None:
    message = ca.Message()
    assert action.for_id is not None
    message.id = action.for_id
    await message.remove()
