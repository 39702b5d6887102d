"""JSON from strangers, read with a bound on how deep it nests.

Python's ``json`` recurses once per level: a 10 KB text of 5,000 nested arrays
exhausts the interpreter's stack and raises ``RecursionError``, which is not a
``ValueError``, so a door that catches only bad JSON closes its socket (1011) or
answers 500. Nothing a client sends to chatactions nests more than a level or
two, so the depth is counted first, without recursion, and deep text is
refused as bad JSON before the parser sees it, the same way at every door.
Numbers need no bound of their own: an integer of more than 4,300 digits is
already a ``ValueError`` (Python's ``int_max_str_digits``) and ``1e999`` is a
float, ``inf``, that no field accepts.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

# Far above any frame or request body of the protocol, far below the stack's limit.
MAX_DEPTH = 32

# A JSON string (unrolled: no backtracking), and a run of anything but brackets.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class TooDeep(ValueError):
    """JSON nested deeper than ``MAX_DEPTH``: refused like any other bad JSON."""


def nesting_depth(text: str) -> int:
    """How deep arrays and objects nest in ``text``, brackets inside strings not counted.

    Counted, not parsed: it cannot run out of stack, and it never undercounts
    (the brackets of an unterminated string count too).
    """
    brackets = _NOT_BRACKETS.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def check_depth(text: str) -> None:
    """Raise ``TooDeep`` for text whose parse could exhaust the stack.

    Text with few brackets (every well-formed frame) is let through at once.
    """
    if text.count("[") + text.count("{") > MAX_DEPTH and nesting_depth(text) > MAX_DEPTH:
        raise TooDeep(f"JSON is nested deeper than {MAX_DEPTH} levels.")


def loads(text: str) -> Any:
    """``json.loads`` for untrusted text: every refusal is a ``ValueError``."""
    check_depth(text)
    return json.loads(text)
