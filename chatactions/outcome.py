"""What a click or a message came to: one word for it, everywhere.

``Status`` is the vocabulary of the wire (the ``status`` of an ``ack``), of
the audit trail (``ActionClick.outcome``) and of what every door answers
(an HTTP status, a flash message). One type, so the three cannot drift:
a new outcome is added here once and every door has to say what it means.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, models
from django.utils.translation import gettext, gettext_lazy


class Status(models.TextChoices):
    """An outcome as the browser, the audit row and the HTTP API spell it."""

    OK = "ok", gettext_lazy("OK")
    BUSY = "busy", gettext_lazy("Busy")
    GONE = "gone", gettext_lazy("Gone")
    NOT_FOUND = "not_found", gettext_lazy("Not found")
    INVALID = "invalid", gettext_lazy("Invalid")
    RATE_LIMITED = "rate_limited", gettext_lazy("Rate limited")
    ERROR = "error", gettext_lazy("Error")
    #: Stopped by its owner (a ``stop``) while it ran.
    CANCELLED = "cancelled", gettext_lazy("Cancelled")


#: The HTTP status each outcome answers with, at every HTTP door (the API, ``chat.js``'s
#: form posts): one map, so the page and the API never disagree on a status.
HTTP_STATUS: dict[str, int] = {
    Status.OK: 200,
    Status.BUSY: 409,
    Status.GONE: 410,
    Status.NOT_FOUND: 404,
    Status.INVALID: 400,
    Status.RATE_LIMITED: 429,
    Status.ERROR: 500,
    # The request was carried out: the handler it started was stopped.
    Status.CANCELLED: 200,
}


@dataclass(frozen=True)
class Outcome:
    """The answer to a click or message: a status, a detail and a notice.

    An ``invalid`` form submission also carries Django's ``errors`` (field name
    to messages, ``__all__`` for the form's own) and ``html``, the form drawn
    again, bound, with those errors beside its fields: for the submitter only.
    """

    status: str
    detail: str = ""
    notice: str = ""
    errors: dict[str, list[str]] | None = None
    html: str = ""
    form: Any = None  # the bound Django form itself, for a door that draws a page


#: Errors that mean the database went away (a restart, a failover, a cut network),
#: not that a callback is wrong: the user can only try again.
CONNECTION_ERRORS = (OperationalError, InterfaceError)
DATABASE_UNAVAILABLE = gettext_lazy("The database is unavailable right now; please try again.")


def failure(exc: BaseException) -> Outcome:
    """The ``error`` answer: the exception's text only with ``DEBUG``, as it may hold secrets."""
    if isinstance(exc, CONNECTION_ERRORS):
        return Outcome(Status.ERROR, str(DATABASE_UNAVAILABLE))
    detail = f"{type(exc).__name__}: {exc}" if settings.DEBUG else gettext("Something went wrong.")
    return Outcome(Status.ERROR, detail)
