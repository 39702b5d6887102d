"""The server's side of a long absence's ``sync``, page by page, in one process.

A tab went away while an older message lost a button, another was edited and
a third removed, and then ``-n`` messages were saved. This times
``dispatch.sync._changes`` (read the conversation's position, then one page of
changed messages, each drawn with the page's template) for every page the tab
asks for until ``has_more`` is false, on a fresh SQLite database. The socket
and the browser add their own time; this is the database thread's share.

    python bench/sync_pages.py [-n 530] [--limit 500] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=530, help="messages saved while away")
    parser.add_argument("--limit", type=int, default=500, help="SYNC_LIMIT")
    parser.add_argument("--rounds", type=int, default=5, help="syncs to time")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/sync.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["CHATACTIONS_SYNC_LIMIT"] = str(args.limit)
    import django

    django.setup()
    from django.core.management import call_command

    from chatactions import dispatch
    from chatactions.action import Action
    from chatactions.context import Chat
    from chatactions.core import messages, removal
    from chatactions.message import Message
    from chatactions.models import Conversation
    from chatactions.owners import Requester

    call_command("migrate", verbosity=0)
    requester = Requester(visitor=uuid.uuid4())
    conversation = Conversation.objects.create(app="bench", **requester.owner_fields())
    chat = Chat(conversation, requester)
    older = [Message(f"older {i}", actions=[Action("a"), Action("b")]) for i in range(3)]
    for message in older:
        messages.save_message(chat, message.draft())
    since = Conversation.objects.get(pk=conversation.pk).seq  # where the tab went away
    removal.mark_removed(chat, [older[0].actions[0].id])
    older[1].content = "edited"
    messages.save_update(chat, older[1].draft())
    removal.mark_message_removed(chat, older[2].id)
    for i in range(args.n):
        messages.save_message(chat, Message(f"while away {i}").draft())

    times, pages, frames = [], 0, 0
    for _ in range(args.rounds):
        start, position, pages, frames = time.perf_counter(), since, 0, 0
        while True:
            page = dispatch.sync._changes(chat, position)
            pages, frames, position = pages + 1, frames + len(page.texts), page.seq
            if not page.has_more:
                break
        times.append(time.perf_counter() - start)
    print(
        f"{args.n} messages saved while away, SYNC_LIMIT {args.limit}: {pages} pages, "
        f"{frames} frames, median {statistics.median(times) * 1000:.0f} ms "
        f"over {args.rounds} syncs"
    )


if __name__ == "__main__":
    main()
