"""One button removed, through the ORM and through ``sql.removals``, side by side.

In one process on a fresh SQLite database (or ``DATABASE_URL``), no daphne:
each round makes a message with a button, then removes it one way, then the
same again the other way, alternating, and prints the median of each. What
is timed is ``core.removal.mark_removed`` of one id (a callback's
``action.remove()`` of the button clicked) against the ORM's statements for
the same change (``_mark_live_removed``, the path of several ids).

    python bench/removal_steps.py [-n 2000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="removals of each kind")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/steps.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DJANGO_DEBUG"] = "0"
    import django

    django.setup()
    from django.core.management import call_command

    from chatactions.context import Chat
    from chatactions.core import messages, removal
    from chatactions.core.drafts import ActionDraft, MessageDraft
    from chatactions.core.frames import Removal
    from chatactions.models import Conversation

    call_command("migrate", verbosity=0)
    chat = Chat(Conversation.objects.create(app="default", visitor=uuid.uuid4()))

    def button() -> uuid.UUID:
        action = ActionDraft(id=uuid.uuid4(), name="confirm", label="Yes")
        messages.save_message(chat, MessageDraft(id=uuid.uuid4(), content="?", actions=(action,)))
        return action.id

    def orm(action: uuid.UUID) -> list[Removal]:
        return removal._mark_live_removed(chat, uuid__in=[action])

    def compiled(action: uuid.UUID) -> list[Removal]:
        return removal.mark_removed(chat, [action])

    ways: dict[str, Callable[[uuid.UUID], list[Removal]]] = {
        "ORM (several ids' path)": orm,
        "compiled (sql.removals)": compiled,
    }
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(args.n):
        for name, remove in ways.items():
            action = button()
            start = time.perf_counter()
            assert remove(action)
            times[name].append(time.perf_counter() - start)
    print(f"{args.n} removals of one button each way, {os.environ['DATABASE_URL'].split(':')[0]}")
    for name, values in times.items():
        print(f"| {name} | median {statistics.median(values) * 1e6:.0f} µs |")


if __name__ == "__main__":
    main()
