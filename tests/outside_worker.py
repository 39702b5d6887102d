"""A task worker's process: ``send_sync()`` from a plain thread, as a task or a command runs.

    python -m tests.outside_worker CONVERSATION COUNT CLIENT_NAME

Run with a live site's environment (its ``DATABASE_URL``; ``REDIS_URL`` with
``?client_name=CLIENT_NAME``, so this process's connections are the ones
Redis lists under that name). It sends COUNT messages, ``step 0`` ... and,
after each, notes the ids of the Redis connections listed under its name; it
prints them as one JSON list, one entry a call.
"""

from __future__ import annotations

import json
import os
import sys
import threading


def main() -> None:
    conversation, count, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    import django

    django.setup()
    import redis

    import chatactions as ca

    admin = redis.Redis.from_url(os.environ["REDIS_ADMIN_URL"])
    seen: list[list[int]] = []

    def work() -> None:
        for i in range(count):
            ca.Message(f"step {i}", conversation=conversation).send_sync()
            seen.append(sorted(int(c["id"]) for c in admin.client_list() if c["name"] == name))

    thread = threading.Thread(target=work)  # no event loop in it, none above it
    thread.start()
    thread.join()
    print(json.dumps(seen), flush=True)


if __name__ == "__main__":
    main()
