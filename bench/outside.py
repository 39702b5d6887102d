"""Server code outside any request: one message to each conversation, as a task would send it.

Run by ``bench/scale.py`` as its own process with the daphne's environment::

    python -m bench.outside FILE [--part I --parts K] [--root CHECKOUT]

``FILE`` holds one conversation uuid a line; this process takes every K-th one
from the I-th. Each gets ``ca.Message(...).send_sync()`` with the conversation
named, as docs/api.md says code outside a handler does it (a view, a management
command, a ``django.tasks`` task). It prints one JSON line: the wall-clock time
of its first send and of its last send's return, and the count sent. With
``--root``, another checkout's code sends (``make bench --against``: before/after).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--part", type=int, default=0)
    parser.add_argument("--parts", type=int, default=1)
    parser.add_argument("--label", default="outside")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose code sends")
    args = parser.parse_args()
    sys.path.insert(0, str(args.root.resolve()))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    import chatactions as ca

    uuids = args.file.read_text().split()[args.part :: args.parts]
    ca.Message("warm-up", conversation=uuids[0]).send_sync()  # imports, the first connections
    start = time.time()
    for conversation in uuids:
        ca.Message(f"{args.label} {conversation}", conversation=conversation).send_sync()
    print(json.dumps({"start": start, "end": time.time(), "sent": len(uuids)}), flush=True)


if __name__ == "__main__":
    main()
