"""What binds a decision to the exact arguments shown: an HMAC of their canonical JSON.

Computed when the approval is saved and checked again when it is decided, so
arguments changed in between (by a bug, a migration, a hand in the database)
are refused rather than executed. Keyed by ``SECRET_KEY`` (and checked against
``SECRET_KEY_FALLBACKS`` too, so rotating the key does not strand a pending
approval); the approval's id is part of what is signed, so one approval's
digest cannot vouch for another's arguments.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "chatactions.approval"


def canonical(value: Any) -> str:
    """One text for one JSON value: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _text(approval_id: uuid.UUID, tool: str, arguments: Any) -> str:
    return canonical({"id": str(approval_id), "tool": tool, "arguments": arguments})


def digest(approval_id: uuid.UUID, tool: str, arguments: Any, secret: str | None = None) -> str:
    """The HMAC-SHA256 hex digest of one approval's tool and arguments."""
    text = _text(approval_id, tool, arguments)
    return salted_hmac(_SALT, text, secret=secret, algorithm="sha256").hexdigest()


def matches(approval_id: uuid.UUID, tool: str, arguments: Any, expected: str) -> bool:
    """Whether ``expected`` is the digest of these arguments, under the key or a fallback."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(
        constant_time_compare(digest(approval_id, tool, arguments, secret), expected)
        for secret in secrets
    )


def pretty(value: Any) -> str:
    """``value`` as the owner reads it: indented JSON, keys sorted as they are signed."""
    return json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
