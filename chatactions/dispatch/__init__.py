"""The one place a click, a user message or a chat start is handled.

Whatever door a request came in by (the WebSocket, the no-JavaScript form, the
HTTP API), it ends here, so ownership, claiming and the audit trail are checked
the same way for all of them. Each step does its database work in one thread
hop: the database thread is the bottleneck of a Channels process.

A lost database connection is not a bug in anyone's code: every hop goes through
``database_sync_to_async``, whose ``close_old_connections`` lets Django's health
check replace a dead connection before the next query, and a hop that still
fails (the database is down) answers ``error`` with a plain "try again".

One module per thing decided: ``clicks`` (whether a click or a form's
submission runs, answers or is refused), ``approvals`` (an approval's one
decision or expiry, below ``clicks``), ``messages`` (a user's message, a
chat's start, the app's hooks), ``sync`` (what a tab missed, a door's answer
to one socket). The names the doors
call are all here, so a door imports ``dispatch`` and nothing below it.
"""

from __future__ import annotations

from .approvals import expire as expire_approvals
from .clicks import click, refuse_click, submit
from .messages import start_chat, start_conversation, stop, user_message
from .sync import Changes, changes, fetch, missed, notice_lapsed, reply

__all__ = [
    "Changes",
    "changes",
    "click",
    "expire_approvals",
    "fetch",
    "missed",
    "notice_lapsed",
    "refuse_click",
    "reply",
    "start_chat",
    "start_conversation",
    "stop",
    "submit",
    "user_message",
]
