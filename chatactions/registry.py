"""Which Python function answers which button: one registry per chat app.

Modelled on ``django.contrib.admin.AdminSite``: a registry owns a private
mapping, refuses a second registration of a name with an error that names both
places, and a module-level default instance serves the common case. Apps fill
it from their ``actions.py``, found by ``autodiscover()`` like ``admin.py``.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TypeVar

from django.utils.module_loading import autodiscover_modules

from .exceptions import AlreadyRegistered, InvalidCallback, NotRegistered
from .registration import Handler, Registration, check_callable

F = TypeVar("F", bound=Handler)


class ChatRegistry:
    """The handlers and action callbacks of one chat app.

    ``default_registry.action_callback("confirm_delete")`` registers a callback;
    ``on_message`` and ``on_chat_start`` register the conversation handlers.
    Each decorator validates, registers and returns the function unchanged.

    A site with several chat apps makes one registry per app, each with a
    unique ``name``; a conversation stores the name of the registry that
    answers it (``Conversation.app``), and ``StartChatView.as_view(app=name)``
    starts conversations of that app.
    """

    def __init__(self, name: str = "default") -> None:
        if not isinstance(name, str) or not name or len(name) > 100:
            raise InvalidCallback("A chat registry needs a name of 1 to 100 characters.")
        existing = _registries.get(name)
        if existing is not None:
            raise AlreadyRegistered(
                f"A chat registry named {name!r} already exists: {existing!r}."
            )
        self.name = name
        self._actions: dict[str, Registration] = {}
        self._forms: dict[str, Registration] = {}
        self._approvals: dict[str, Registration] = {}
        self._hooks: dict[str, Registration] = {}
        _registries[name] = self

    def __repr__(self) -> str:
        return f"<ChatRegistry {self.name!r}: {len(self._actions)} action callbacks>"

    # Registration -----------------------------------------------------------

    def action_callback(self, name: str) -> Callable[[F], F]:
        """Register the decorated function as the callback of buttons named ``name``."""
        if not isinstance(name, str) or not name.strip():
            raise InvalidCallback("action_callback() needs a non-empty action name.")

        def decorator(func: F) -> F:
            """Register ``func`` and hand it back unchanged, so it stays callable."""
            check_callable(func, f"The action callback {name!r}")
            self._register(self._actions, f"action callback {name!r}", Registration(func, name))
            return func

        return decorator

    def form_callback(self, name: str) -> Callable[[F], F]:
        """Register the decorated function as the callback of forms named ``name``.

        It is called with a ``Submission`` once the form's values are valid.
        """
        if not isinstance(name, str) or not name.strip():
            raise InvalidCallback("form_callback() needs a non-empty form name.")

        def decorator(func: F) -> F:
            """Register ``func`` and hand it back unchanged, so it stays callable."""
            check_callable(func, f"The form callback {name!r}")
            self._register(self._forms, f"form callback {name!r}", Registration(func, name))
            return func

        return decorator

    def approval_callback(self, tool: str) -> Callable[[F], F]:
        """Register the decorated function as what runs when an approval of ``tool`` is decided.

        It is called with a ``Decision`` exactly once per approval: approved,
        edited, rejected or expired.
        """
        if not isinstance(tool, str) or not tool.strip():
            raise InvalidCallback("approval_callback() needs a non-empty tool name.")

        def decorator(func: F) -> F:
            """Register ``func`` and hand it back unchanged, so it stays callable."""
            check_callable(func, f"The approval callback {tool!r}")
            self._register(
                self._approvals, f"approval callback {tool!r}", Registration(func, tool)
            )
            return func

        return decorator

    def on_message(self, func: F) -> F:
        """Register the handler that answers each message the user writes."""
        check_callable(func, "on_message")
        self._register(self._hooks, "on_message handler", Registration(func, "on_message"))
        return func

    def on_chat_start(self, func: F) -> F:
        """Register the handler that runs once when a conversation starts."""
        check_callable(func, "on_chat_start")
        self._register(self._hooks, "on_chat_start handler", Registration(func, "on_chat_start"))
        return func

    def on_stop(self, func: F) -> F:
        """Register the handler that runs when the owner presses Stop (as Chainlit's)."""
        check_callable(func, "on_stop")
        self._register(self._hooks, "on_stop handler", Registration(func, "on_stop"))
        return func

    def _register(self, table: dict[str, Registration], what: str, new: Registration) -> None:
        old = table.get(new.name)
        if old is not None:
            raise AlreadyRegistered(
                f"The {what} of registry {self.name!r} is already registered by "
                f"{old.where}; it cannot also be registered by {new.where}."
            )
        table[new.name] = new

    def unregister(self, name: str) -> None:
        """Remove the action callback ``name``, as tests and reloads need."""
        try:
            del self._actions[name]
        except KeyError:
            raise self._unknown(name) from None

    def unregister_form(self, name: str) -> None:
        """Remove the form callback ``name``, as tests and reloads need."""
        try:
            del self._forms[name]
        except KeyError:
            raise self._unknown(name, "form") from None

    def unregister_approval(self, tool: str) -> None:
        """Remove the approval callback of ``tool``, as tests and reloads need."""
        try:
            del self._approvals[tool]
        except KeyError:
            raise self._unknown(tool, "approval") from None

    # Lookup -----------------------------------------------------------------

    def get_action_callback(self, name: str) -> Registration:
        """The callback of a button's name; ``NotRegistered`` (the click's ``error``) if none."""
        try:
            return self._actions[name]
        except KeyError:
            raise self._unknown(name) from None

    def get_form_callback(self, name: str) -> Registration:
        """The callback of a form's name; ``NotRegistered`` (the submit's ``error``) if none."""
        try:
            return self._forms[name]
        except KeyError:
            raise self._unknown(name, "form") from None

    def get_approval_callback(self, tool: str) -> Registration:
        """The callback of a tool's approvals; ``NotRegistered`` if none."""
        try:
            return self._approvals[tool]
        except KeyError:
            raise self._unknown(tool, "approval") from None

    def _unknown(self, name: str, kind: str = "action") -> NotRegistered:
        return NotRegistered(f"No {kind} callback {name!r} in registry {self.name!r}.")

    def get_hook(self, name: str) -> Registration | None:
        """The ``on_message`` or ``on_chat_start`` handler, if the app has one."""
        return self._hooks.get(name)

    def action_names(self) -> list[str]:
        """The names buttons may carry in this app, sorted for listings."""
        return sorted(self._actions)

    def form_names(self) -> list[str]:
        """The names forms may carry in this app, sorted for listings."""
        return sorted(self._forms)

    def approval_tools(self) -> list[str]:
        """The tools whose approvals this app answers, sorted for listings."""
        return sorted(self._approvals)

    def registrations(self) -> list[Registration]:
        """Every handler and callback: hooks, then buttons', forms', approvals', for listings."""
        hooks = [self._hooks[k] for k in sorted(self._hooks)]
        actions = [self._actions[k] for k in sorted(self._actions)]
        forms = [self._forms[k] for k in sorted(self._forms)]
        return hooks + actions + forms + [self._approvals[k] for k in sorted(self._approvals)]

    def clear(self) -> None:
        """Forget every registration (for tests that register their own)."""
        self._actions.clear()
        self._forms.clear()
        self._approvals.clear()
        self._hooks.clear()


# Weak, so a registry a test throws away frees its name; a site's live forever.
_registries: weakref.WeakValueDictionary[str, ChatRegistry] = weakref.WeakValueDictionary()
default_registry = ChatRegistry()


def get_registry(name: str = "default") -> ChatRegistry:
    """The registry a conversation's ``app`` names."""
    try:
        return _registries[name]
    except KeyError:
        raise NotRegistered(f"No chat registry named {name!r}.") from None


def all_registries() -> list[ChatRegistry]:
    """Every chat app's registry, for listings and checks."""
    return [_registries[name] for name in sorted(_registries)]


def autodiscover() -> None:
    """Import ``actions`` from every installed app, so their decorators run."""
    autodiscover_modules("actions")


action_callback = default_registry.action_callback
form_callback = default_registry.form_callback
approval_callback = default_registry.approval_callback
on_message = default_registry.on_message
on_chat_start = default_registry.on_chat_start
on_stop = default_registry.on_stop
