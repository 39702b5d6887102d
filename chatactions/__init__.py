"""Chainlit-style action buttons for Django: ``import chatactions as ca``.

The names below load lazily (PEP 562), because Django imports this package
before its models are ready, while ``Action`` and ``Message`` need them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Action": "action",
    "Message": "message",
    "AskActionMessage": "ask",
    "AskFormMessage": "ask",
    "AskUserMessage": "ask",
    "Form": "form",
    "Approval": "approval",
    "Decision": "decision",
    "ApprovalError": "exceptions",
    "Submission": "submission",
    "State": "store",
    "state": "store",
    "Chat": "context",
    "current_chat": "context",
    "ChatRegistry": "registry",
    "ChatActionsError": "exceptions",
    "InvalidMessage": "exceptions",
    "ActionError": "exceptions",
    "MessageError": "exceptions",
    "AskTimeout": "exceptions",
    "NoChatContext": "exceptions",
    "AlreadyRegistered": "exceptions",
    "NotRegistered": "exceptions",
    "InvalidCallback": "exceptions",
    "default_registry": "registry",
    "action_callback": "registry",
    "form_callback": "registry",
    "approval_callback": "registry",
    "on_message": "registry",
    "on_chat_start": "registry",
    "on_stop": "registry",
    "autodiscover": "registry",
}

__all__ = [
    "Action",
    "ActionError",
    "AlreadyRegistered",
    "Approval",
    "ApprovalError",
    "AskActionMessage",
    "AskFormMessage",
    "AskTimeout",
    "AskUserMessage",
    "Chat",
    "ChatActionsError",
    "ChatRegistry",
    "Decision",
    "Form",
    "InvalidCallback",
    "InvalidMessage",
    "Message",
    "MessageError",
    "NoChatContext",
    "NotRegistered",
    "State",
    "Submission",
    "action_callback",
    "approval_callback",
    "autodiscover",
    "current_chat",
    "default_registry",
    "form_callback",
    "on_chat_start",
    "on_message",
    "on_stop",
    "state",
]

if TYPE_CHECKING:
    from .action import Action
    from .approval import Approval
    from .ask import AskActionMessage, AskFormMessage, AskUserMessage
    from .context import Chat, current_chat
    from .decision import Decision
    from .exceptions import (
        ActionError,
        AlreadyRegistered,
        ApprovalError,
        AskTimeout,
        ChatActionsError,
        InvalidCallback,
        InvalidMessage,
        MessageError,
        NoChatContext,
        NotRegistered,
    )
    from .form import Form
    from .message import Message
    from .registry import (
        ChatRegistry,
        action_callback,
        approval_callback,
        autodiscover,
        default_registry,
        form_callback,
        on_chat_start,
        on_message,
        on_stop,
    )
    from .store import State, state
    from .submission import Submission


def __getattr__(name: str) -> Any:
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'chatactions' has no attribute {name!r}") from None
    return getattr(import_module(f".{module}", __name__), name)
