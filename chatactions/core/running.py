"""Running user code: handlers and callbacks, and what their failures answer.

Kept apart from ``dispatch`` (which decides *whether* a click runs) so the
rules for *how* user code runs are in one short place: in the chat's context,
off the event loop when it is plain ``def``, and never letting an exception
escape as anything but an ``error`` outcome.
"""

from __future__ import annotations

import inspect
import logging
import traceback
from typing import Any

from channels.db import database_sync_to_async

from ..context import Chat, chat_context
from ..outcome import Outcome, Status, failure
from ..registration import Registration

#: Named as before the core existed: a site's ``LOGGING`` may route user-code
#: failures by this name.
logger = logging.getLogger("chatactions.handlers")


async def run_handler(
    registration: Registration, chat: Chat, argument: Any
) -> tuple[Outcome, str]:
    """Call a handler in the chat's context; turn what it returns or raises into an outcome.

    A plain ``def`` runs in a worker thread so it cannot block the event loop;
    it is not the database thread, so a slow callback does not stall other
    sockets' database work. The worker thread keeps its own connection, so it
    goes through ``database_sync_to_async`` too: without ``close_old_connections``
    around each call, a connection the database dropped would fail every later
    callback on that thread.
    """
    func = registration.func
    args = (argument,) if registration.wants_argument else ()
    with chat_context(chat):
        try:
            if inspect.iscoroutinefunction(func):
                result = await func(*args)
            else:
                result = await database_sync_to_async(func, thread_sensitive=False)(*args)
                if inspect.isawaitable(result):
                    result = await result
        except Exception as exc:
            logger.exception("chatactions: %s raised", registration.where)
            return failure(exc), traceback.format_exc()
    notice = result if isinstance(result, str) else ""
    return Outcome(Status.OK, notice=notice), ""
