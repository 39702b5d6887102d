"""Text that every supported database can store, checked at the door.

JSON happily carries two things a database refuses: the NUL character
(``"\\u0000"``: PostgreSQL text and ``jsonb`` cannot hold it) and lone UTF-16
surrogates (``"\\ud800"``: not encodable as UTF-8, so SQLite and PostgreSQL both
fail). Left alone they surface as a database error in the middle of a save, on
one backend and not the other; checked here they become a clear refusal before
anything is written, the same on every backend.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored, or ``None`` when it can."""
    if "\x00" in text:
        return "contains a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate, which is not valid Unicode"
    return None


def value_problem(value: Any) -> str | None:
    """Why a JSON-like value cannot be stored: the first string (key or item) that cannot.

    Call it on a value ``json.dumps`` accepted: that refuses cycles, which would
    keep this walk going forever.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem is not None:
                return problem
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return None


def length_problem(model: type[Model], name: str, value: str) -> str | None:
    """Why ``value`` is too long for field ``name`` of ``model``, or ``None`` if it fits.

    The limit is read from the model field itself, so a migration that widens a
    column widens what is accepted, and no copy of the number can disagree.
    """
    limit = getattr(model._meta.get_field(name), "max_length", None)
    if limit is not None and len(value) > limit:
        return f"is {len(value)} characters; the limit is {limit}"
    return None
