"""Every exception chatactions raises, in one place (as ``django.contrib.admin.exceptions``).

The public ones are re-exported from ``chatactions``. A message or a button
that cannot be sent as given raises an ``InvalidMessage``: one family, so a
caller catches one class whichever part of it was wrong.
"""

from __future__ import annotations


class ChatActionsError(Exception):
    """The base of chatactions' own exceptions, to catch them all at once."""


class InvalidMessage(ChatActionsError, ValueError):
    """A message or one of its buttons cannot be sent as given; nothing was saved."""


class ActionError(InvalidMessage):
    """An action cannot be sent as given (bad name, label or payload)."""


class MessageError(InvalidMessage):
    """A message cannot be sent as given (bad content or author)."""


class MessageTypeError(MessageError, TypeError):
    """A message's content is not text (a ``TypeError`` too, as it always was)."""


class ApprovalError(InvalidMessage):
    """An approval that cannot be sent: its tool, arguments, payload or schema."""


class AskTimeout(ChatActionsError, TimeoutError):
    """Nobody picked a button of an ``AskActionMessage`` before its timeout."""


class NoChatContext(ChatActionsError, RuntimeError):
    """Chat API used outside a handler or callback without naming a conversation."""


class AlreadyRegistered(ChatActionsError):
    """A name was registered twice in one registry."""


class NotRegistered(ChatActionsError):
    """No callback is registered under that name."""


class InvalidCallback(ChatActionsError, TypeError):
    """A function that the dispatcher could not call was registered."""


class FrameError(ChatActionsError):
    """A client frame that cannot be handled; becomes an ``ack`` (or ``error``) frame."""

    def __init__(self, detail: str, *, ref: str | None = None, status: str = "invalid") -> None:
        super().__init__(detail)
        self.detail = detail
        self.ref = ref
        self.status = status
