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
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext, gettext_lazy

from . import protocol
from .context import Chat, chat_context
from .registry import Registration

logger = logging.getLogger(__name__)

#: Errors that mean the database went away (a restart, a failover, a cut network),
#: not that a callback is wrong: the user can only try again.
CONNECTION_ERRORS = (OperationalError, InterfaceError)
DATABASE_UNAVAILABLE = gettext_lazy("The database is unavailable right now; please try again.")


@dataclass(frozen=True)
class Outcome:
    """The answer to a click or message: a protocol status, a detail and a notice."""

    status: str
    detail: str = ""
    notice: str = ""


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
    return Outcome(protocol.OK, notice=notice), ""


def failure(exc: BaseException) -> Outcome:
    """The ``error`` answer: the exception's text only with ``DEBUG``, as it may hold secrets."""
    if isinstance(exc, CONNECTION_ERRORS):
        return Outcome(protocol.ERROR, str(DATABASE_UNAVAILABLE))
    detail = f"{type(exc).__name__}: {exc}" if settings.DEBUG else gettext("Something went wrong.")
    return Outcome(protocol.ERROR, detail)
