"""The database work of one click, step by step, in one process, without daphne.

Times ``dispatch.clicks._claim`` (find the button, claim it, write the audit row),
``core.messages.save_message`` (the callback's reply, checked, saved and drawn) and
``dispatch.clicks._release`` (free the button, write the outcome) on a fresh SQLite
database, and prints the median of each. No event loop, sockets or threads:
what is left is the ORM, the SQL and the drawing, which is what the database
thread of a busy process spends its time on. Then ``whole click``: the same
clicks through ``dispatch.click`` on one event loop, with the hops to the
database thread, the callback's task and the fan-out to one tab's channel
(not in ``total``).

    python bench/click_steps.py [-n 2000]
    python bench/click_steps.py --against /path/to/other/checkout [--rounds 3]

``--against`` compares two checkouts side by side in one run: it runs each
checkout's own copy of this script in turn, ``--rounds`` times, alternating,
and prints the median of each step per checkout.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(os.environ.get("ROOT", Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=2000, help="clicks to time")
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    parser.add_argument("--rounds", type=int, default=3, help="alternations with --against")
    args = parser.parse_args()
    if args.against is not None:
        compare([ROOT, args.against.resolve()], args.n, args.rounds)
        return
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/steps.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DJANGO_DEBUG"] = "0"
    import django

    django.setup()
    from django.core.management import call_command

    from chatactions import dispatch
    from chatactions.action import Action
    from chatactions.context import Chat
    from chatactions.core import messages
    from chatactions.message import Message
    from chatactions.models import Conversation
    from chatactions.outcome import Outcome
    from chatactions.owners import Requester

    call_command("migrate", verbosity=0)
    requester = Requester(visitor=uuid.uuid4())
    conversation = Conversation.objects.create(app="bench", **requester.owner_fields())
    chat = Chat(conversation, requester)
    question = Message(
        "Are you sure you want to delete your data?",
        actions=[
            Action("confirm_delete", "Confirm Deletion", {"user_id": "user123"}),
            Action("cancel_delete", "Cancel"),
        ],
    )
    messages.save_message(chat, question.draft())
    button = question.actions[0].id
    steps: dict[str, list[float]] = {"claim": [], "save reply": [], "release": []}
    for _ in range(args.n):
        start = time.perf_counter()
        claim = dispatch.clicks._claim(requester, conversation.uuid, button, "websocket")
        steps["claim"].append(time.perf_counter() - start)
        assert not isinstance(claim, Outcome), claim
        assert isinstance(claim, dispatch.clicks._Claim), claim  # a plain message: no answer
        start = time.perf_counter()
        messages.save_message(claim.chat, Message("Okay, deleting it... (Not really!)").draft())
        steps["save reply"].append(time.perf_counter() - start)
        start = time.perf_counter()
        dispatch.clicks._release(claim, Outcome("ok"), "")
        steps["release"].append(time.perf_counter() - start)
    steps["whole click"] = asyncio.run(whole_clicks(requester, chat, button, args.n))
    total = 0.0
    print(f"{ROOT}, {args.n} clicks, medians after the first 10%:")
    for name, times in steps.items():
        median = statistics.median(times[args.n // 10 :]) * 1e6
        if name != "whole click":
            total += median
        print(f"  {name:10s} {median:6.0f} µs")
    print(f"  {'total':10s} {total:6.0f} µs")


async def whole_clicks(requester: Any, chat: Any, button: uuid.UUID, n: int) -> list[float]:
    """``dispatch.click`` whole, on one event loop: the steps, their hops, the task, the fan-out.

    One channel stands for a tab in the conversation's group, drained after
    each click, so each broadcast is delivered somewhere, as in a real chat.
    """
    from channels.layers import get_channel_layer

    from chatactions import dispatch

    layer = get_channel_layer()
    tab = await layer.new_channel()
    await layer.group_add(chat.group, tab)
    times, drained = [], []
    for _ in range(n):
        start = time.perf_counter()
        outcome = await dispatch.click(requester, chat.conversation.uuid, button, "websocket")
        times.append(time.perf_counter() - start)
        assert outcome.status == "ok", outcome
        while tab in layer.channels and not layer.channels[tab].empty():
            drained.append(await layer.receive(tab))
    assert len(drained) >= n, "the tab heard nothing"
    return times


def compare(roots: list[Path], n: int, rounds: int) -> None:
    """Alternate the checkouts' own scripts, so drift on a shared machine hits both alike."""
    runs: dict[Path, dict[str, list[float]]] = {root: {} for root in roots}
    for _ in range(rounds):
        for root in roots:
            out = subprocess.run(
                [sys.executable, str(root / "bench" / "click_steps.py"), "-n", str(n)],
                env={**os.environ, "ROOT": str(root)},
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            for step, micros in re.findall(r"^  (.+?)\s+(\d+) µs$", out, re.MULTILINE):
                runs[root].setdefault(step, []).append(float(micros))
    print(f"{n} clicks x {rounds} rounds, alternating; median of the rounds' medians, µs:")
    print(f"  {'step':10s}" + "".join(f" {str(root)[-24:]:>24s}" for root in roots))
    for step in runs[roots[0]]:
        row = "".join(f" {statistics.median(runs[root].get(step, [0])):24.0f}" for root in roots)
        print(f"  {step:10s}{row}")


if __name__ == "__main__":
    main()
