"""What every HTTP API view shares: the limits, the permissions, the owner, the answer.

An outcome from ``dispatch`` becomes an HTTP status by ``outcome.HTTP_STATUS``,
the same for every endpoint and for ``chat.js``'s form posts.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.middleware.csrf import get_token
from django.utils.translation import gettext, gettext_lazy
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from .. import owners, protocol
from ..conf import chat_settings
from ..models import Conversation
from ..models import Message as MessageRow
from ..outcome import HTTP_STATUS, Outcome
from ..owners import Requester
from .parsers import BoundedJSONParser
from .permissions import MayChat, SessionWritesNeedCsrf
from .serializers import OutcomeSerializer
from .throttling import ChatRateThrottle

if TYPE_CHECKING:
    from rest_framework.permissions import _SupportsHasPermission


# Missing, foreign and malformed ids all get exactly this: no leak of which ids exist.
class RequestTooLarge(APIException):
    """A request body over ``MAX_FRAME_BYTES``, the socket's frame limit.

    An API error only, so it lives here: the core installs without Django REST framework.
    """

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


NO_SUCH_CONVERSATION = gettext_lazy("No such conversation.")


def no_such_action() -> Outcome:
    """The answer for a missing, foreign or malformed action id, in the request's language."""
    return Outcome(protocol.NOT_FOUND, gettext("No such action."))


class ChatAPIView(GenericAPIView[Any]):
    """What every endpoint shares: the limits, the permissions, the throttle, the owner."""

    parser_classes = [BoundedJSONParser]

    def body_limit(self, request: Request) -> int:
        """The largest request body this view reads: ``MAX_FRAME_BYTES``, as the socket."""
        return int(chat_settings.MAX_FRAME_BYTES)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """Refuse an oversized body before anything (the CSRF check included) parses it."""
        limit = self.body_limit(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            raise RequestTooLarge(
                gettext("Request body is larger than %(limit)d bytes.") % {"limit": limit}
            )
        super().initial(request, *args, **kwargs)
        if request.method in SAFE_METHODS:
            get_token(request._request)  # a cookie client's first GET gets its CSRF token

    def get_permissions(self) -> Sequence[_SupportsHasPermission]:
        """DRF's hook: the view's own permissions, then CSRF and ``ALLOW_ANONYMOUS``."""
        return [*super().get_permissions(), SessionWritesNeedCsrf(), MayChat()]

    def get_throttles(self) -> list[BaseThrottle]:
        """DRF's hook: ``RATE_LIMIT`` applies to the API as to the socket."""
        return [*super().get_throttles(), ChatRateThrottle()]

    def requester(self, *, create: bool = False) -> Requester | None:
        """The owner this request speaks for, as every door resolves it."""
        return owners.resolve(self.request.user, self.request.session, create=create)

    def owned(self, conversation_id: str) -> tuple[Requester, Conversation]:
        """The requester and their conversation, or 404 exactly as for a missing id."""
        requester = self.requester()
        key = parse_uuid(conversation_id)
        if requester is None or key is None:
            raise NotFound(NO_SUCH_CONVERSATION)
        conversation = requester.conversation(key)
        if conversation is None:
            raise NotFound(NO_SUCH_CONVERSATION)
        return requester, conversation


def parse_uuid(value: str) -> uuid.UUID | None:
    """An id from a URL, or ``None``: a malformed id is answered as a missing one."""
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def last_message(conversation_id: uuid.UUID, requester: Requester) -> uuid.UUID | None:
    """The newest message of an owned conversation: the replies are what comes after it."""
    return (
        MessageRow.objects.filter(
            requester.conversations_q("conversation__"), conversation__uuid=conversation_id
        )
        .order_by("-pk")
        .values_list("uuid", flat=True)
        .first()
    )


def answer(
    outcome: Outcome,
    replies: str | None,
    serializer: type[OutcomeSerializer] = OutcomeSerializer,
) -> Response:
    """A dispatch outcome as the API answers it: its HTTP status, and where to read replies."""
    if outcome.status == protocol.NOT_FOUND:
        replies = None  # nothing to read in a conversation that is not yours
    body: dict[str, Any] = {
        "status": outcome.status,
        "detail": outcome.detail,
        "notice": outcome.notice,
        "replies": replies,
    }
    if serializer is not OutcomeSerializer:
        body["errors"] = outcome.errors
    return Response(serializer(body).data, status=HTTP_STATUS[outcome.status])
