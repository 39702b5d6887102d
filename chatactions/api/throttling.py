"""The API's throttle: the requester's one budget (``chatactions.limits``), answered with 429.

The socket, the no-JavaScript forms and this API draw on the same counter,
so a client cannot get a door's budget again by switching doors. A request
whose requester is not known yet (no session) is counted by client address.
``RATE_LIMIT = 0`` turns it off, as everywhere.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from .. import limits, owners


class ChatRateThrottle(BaseThrottle):
    """``RATE_LIMIT`` requests per ``RATE_LIMIT_PERIOD`` for each requester, over every door."""

    def allow_request(self, request: Request, view: Any) -> bool:
        requester = owners.resolve(request.user, request.session)
        self.spent = limits.spend(limits.identity(requester, self.get_ident(request)))
        return self.spent.allowed

    def wait(self) -> float:
        """Seconds until the window ends: DRF's ``Retry-After``."""
        return self.spent.retry_after
