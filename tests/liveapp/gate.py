"""A default-app callback that waits at a gate, so a test can hold a click inside it.

The gate is a folder named in the action's payload: the callback leaves an
``entered-*`` file there (one per run, from any process), waits until the
test creates ``open``, then says so in the chat. A test counts the runs from
the files and the "passed the gate" messages, across processes.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from pathlib import Path

import chatactions as ca

PASSED = "passed the gate"


@ca.action_callback("gate")
async def gate(action: ca.Action) -> None:
    await asyncio.to_thread(enter_and_wait, Path(action.payload["folder"]))
    await ca.Message(PASSED).send()


def enter_and_wait(folder: Path, timeout: float = 60) -> None:
    (folder / f"entered-{os.getpid()}-{uuid.uuid4().hex}").touch()
    deadline = time.monotonic() + timeout
    while not (folder / "open").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("the test never opened the gate")
        time.sleep(0.05)
