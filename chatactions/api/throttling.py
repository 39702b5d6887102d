"""DRF throttling on the socket's numbers: ``RATE_LIMIT`` requests per ``RATE_LIMIT_PERIOD``.

One budget per requester (a user, or a visitor's session id; the client's
address when neither is known yet), so opening many connections or sessions
does not multiply a logged-in user's budget. ``RATE_LIMIT = 0`` turns it off,
as it does on the socket. The counts live in Django's default cache: give
several server processes a shared cache (Redis) to share one budget.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from .. import owners
from ..conf import chat_settings


class ChatRateThrottle(SimpleRateThrottle):
    """The ``CHATACTIONS`` rate, read at every request so ``override_settings`` applies."""

    scope = "chatactions"

    def get_rate(self) -> str | None:
        """DRF's hook: the rate is ``RATE_LIMIT`` per ``RATE_LIMIT_PERIOD``, as on the socket."""
        limit = int(chat_settings.RATE_LIMIT)
        if limit <= 0:
            return None
        return f"{limit}/{float(chat_settings.RATE_LIMIT_PERIOD)}"

    def parse_rate(self, rate: str | None) -> tuple[int | None, int | None]:
        # DRF only knows "n/s", "n/m"...; the period here is any number of seconds.
        """DRF's hook: a period of any number of seconds, not only s/m/h/d."""
        if rate is None:
            return None, None
        limit, period = rate.split("/")
        return int(limit), float(period)  # type: ignore[return-value]  # DRF types it int

    def get_cache_key(self, request: Request, view: Any) -> str:
        """DRF's hook: one bucket per owner (user or visitor), as the socket has per connection."""
        requester = owners.resolve(request.user, request.session)
        if requester is None:
            ident = f"addr-{self.get_ident(request)}"
        elif requester.user_id is not None:
            ident = f"user-{requester.user_id}"
        else:
            ident = f"visitor-{requester.visitor}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
