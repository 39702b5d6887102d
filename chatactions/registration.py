"""One registered callback: the function, its name, where it was written, how it is called.

Kept apart from the registry so the code that runs a callback (``core.running``,
``dispatch``) needs only this record, not the registry's tables.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .exceptions import InvalidCallback

Handler = Callable[..., Awaitable[Any] | Any]


@dataclass
class Registration:
    """A registered function and where it was defined, for error messages and listings."""

    func: Handler
    name: str

    @property
    def where(self) -> str:
        """Where the function is defined, for logs and ``manage.py chatactions callbacks``."""
        func = inspect.unwrap(self.func)
        qualname = f"{func.__module__}.{func.__qualname__}"
        try:
            filename = inspect.getsourcefile(func)
            _, line = inspect.getsourcelines(func)
        except (OSError, TypeError):
            return qualname
        return f"{qualname} ({filename}:{line})"

    @functools.cached_property
    def wants_argument(self) -> bool:
        """Read once: ``inspect.signature`` on every click is measurable."""
        return bool(inspect.signature(self.func).parameters)


def check_callable(func: Any, what: str) -> None:
    """Refuse at registration what could never be called with one argument, naming it."""
    if not callable(func):
        raise InvalidCallback(f"{what} must be a function, not {func!r}.")
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return
    required = [
        p
        for p in params
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    if len(required) > 1 or any(p.kind is p.KEYWORD_ONLY and p.default is p.empty for p in params):
        raise InvalidCallback(
            f"{what} {func.__qualname__} takes at most one argument without a default; "
            f"it is called with one."
        )
