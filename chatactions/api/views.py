"""The HTTP API's views: thin, like the consumer, with ``dispatch`` doing the work.

Each view finds the requester (``owners``), refuses what the socket refuses,
and hands clicks and messages to the same async ``dispatch`` functions through
``async_to_sync``. What a callback sends is persisted and broadcast there, so
open sockets of the conversation see an HTTP click's replies live.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from asgiref.sync import async_to_sync
from django.middleware.csrf import get_token
from rest_framework import status
from rest_framework.exceptions import APIException, NotAuthenticated, NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from .. import dispatch, owners, protocol
from ..conf import chat_settings
from ..models import ActionClick, Conversation
from ..models import Message as MessageRow
from ..outcome import Outcome
from ..owners import Requester
from ..registry import get_registry
from . import schema
from .permissions import MayChat, SessionWritesNeedCsrf
from .serializers import (
    ConversationSerializer,
    MessageQuerySerializer,
    MessageSerializer,
    NewMessageSerializer,
    OutcomeSerializer,
    messages_url,
)
from .throttling import ChatRateThrottle

if TYPE_CHECKING:
    from rest_framework.permissions import _SupportsHasPermission

HTTP_STATUS: dict[str, int] = {
    protocol.OK: status.HTTP_200_OK,
    protocol.BUSY: status.HTTP_409_CONFLICT,
    protocol.GONE: status.HTTP_410_GONE,
    protocol.NOT_FOUND: status.HTTP_404_NOT_FOUND,
    protocol.INVALID: status.HTTP_400_BAD_REQUEST,
    protocol.ERROR: status.HTTP_500_INTERNAL_SERVER_ERROR,
}

# Missing, foreign and malformed ids all get exactly this: no leak of which ids exist.
NO_SUCH_ACTION = Outcome(protocol.NOT_FOUND, "No such action.")
NO_SUCH_CONVERSATION = "No such conversation."


class RequestTooLarge(APIException):
    """A request body over ``MAX_FRAME_BYTES``, the socket's frame limit."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class ChatAPIView(GenericAPIView[Any]):
    """What every endpoint shares: the limits, the permissions, the throttle, the owner."""

    parser_classes = [JSONParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        """Refuse an oversized body before anything (the CSRF check included) parses it."""
        limit = int(chat_settings.MAX_FRAME_BYTES)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            raise RequestTooLarge(f"Request body is larger than {limit} bytes.")
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
        key = _uuid(conversation_id)
        if requester is None or key is None:
            raise NotFound(NO_SUCH_CONVERSATION)
        conversation = requester.conversation(key)
        if conversation is None:
            raise NotFound(NO_SUCH_CONVERSATION)
        return requester, conversation


class ConversationPagination(CursorPagination):
    """Newest first; a cursor, so new conversations do not shift the pages."""

    ordering = "-created_at"
    page_size = 50

    def get_paginated_response_schema(self, results: dict[str, Any]) -> dict[str, Any]:
        # DRF's own example cursor URL ends in a stray quote; show one of ours instead.
        """DRF's example cursor URL ends in a stray quote; show one of ours."""
        paginated = super().get_paginated_response_schema(results)
        paginated["properties"]["next"]["example"] = f"{schema.BASE}/?cursor=cD0yMDI2"
        paginated["properties"]["previous"]["example"] = None
        return paginated


class ConversationList(ChatAPIView):
    """List the requester's conversations (of every app) and start one.

    ``app`` names the chat registry that answers the conversations started here,
    as for ``StartChatView``: ``ConversationList.as_view(app="support")``.
    """

    serializer_class = ConversationSerializer
    pagination_class = ConversationPagination
    app = "default"

    def get_queryset(self) -> Any:
        """Only the requester's conversations: others' do not exist for them."""
        requester = self.requester()
        if requester is None:
            return Conversation.objects.none()
        return Conversation.objects.filter(requester.conversations_q())

    @schema.list_conversations
    def get(self, request: Request) -> Response:
        """The requester's conversations, newest first."""
        page = self.paginate_queryset(self.get_queryset())
        data = self.get_serializer(page, many=True).data
        return self.get_paginated_response(data)

    @schema.start_conversation
    def post(self, request: Request) -> Response:
        """Start a conversation and run ``on_chat_start``, as ``GET /chat/`` does for a page."""
        get_registry(self.app)  # fail loudly on a misspelt app, before writing anything
        requester = self.requester(create=True)
        if requester is None:  # MayChat let an anonymous visitor in without a session
            raise NotAuthenticated()
        conversation = async_to_sync(dispatch.start_conversation)(requester, self.app)
        data = self.get_serializer(conversation).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})


class ConversationDetail(ChatAPIView):
    """One conversation of the requester's."""

    serializer_class = ConversationSerializer

    @schema.get_conversation
    def get(self, request: Request, conversation_id: str) -> Response:
        """One conversation, or 404 exactly as for an id that does not exist."""
        _, conversation = self.owned(conversation_id)
        return Response(self.get_serializer(conversation).data)


class MessageList(ChatAPIView):
    """Read a conversation's messages (with a cursor) and write to it."""

    serializer_class = MessageSerializer

    @schema.list_messages
    def get(self, request: Request, conversation_id: str) -> Response:
        """Messages oldest first, ``SYNC_LIMIT`` at most, after the ``after`` message if given."""
        _, conversation = self.owned(conversation_id)
        query = MessageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        after: uuid.UUID | None = query.validated_data.get("after")
        try:
            rows = MessageRow.objects.live(conversation, after)
        except MessageRow.DoesNotExist:
            raise NotFound("No such message.") from None
        limit = int(chat_settings.SYNC_LIMIT)
        page = list(rows.order_by("pk")[: limit + 1])
        has_more = len(page) > limit
        page = page[:limit]
        last = page[-1].uuid if page else after
        return Response(
            {
                "results": self.get_serializer(page, many=True).data,
                "has_more": has_more,
                "next": messages_url(request, conversation.uuid, last),
            }
        )

    @schema.post_message
    def post(self, request: Request, conversation_id: str) -> Response:
        """Save the user's message and run ``on_message``; the answer links to the replies."""
        requester, conversation = self.owned(conversation_id)
        body = NewMessageSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        before = _last_message(conversation.uuid, requester)
        outcome = async_to_sync(dispatch.user_message)(
            requester, conversation.uuid, body.validated_data["content"]
        )
        return _answer(outcome, messages_url(request, conversation.uuid, before))


class ActionClickView(ChatAPIView):
    """Click a button by id: the same ``dispatch.click`` as the socket and the form."""

    serializer_class = OutcomeSerializer

    @schema.click
    def post(self, request: Request, conversation_id: str, action_id: str) -> Response:
        """A click through the same ``dispatch`` as the socket and the forms."""
        requester = self.requester()
        conversation_key, action_key = _uuid(conversation_id), _uuid(action_id)
        if requester is None or conversation_key is None or action_key is None:
            return _answer(NO_SUCH_ACTION, None)
        before = _last_message(conversation_key, requester)
        outcome = async_to_sync(dispatch.click)(
            requester, conversation_key, action_key, ActionClick.Via.API
        )
        return _answer(outcome, messages_url(request, conversation_key, before))

    def throttled(self, request: Request, wait: float) -> NoReturn:
        """Refuse with 429, as for any request; a click on an existing button is audited first."""
        requester = self.requester()
        action_key = _uuid(str(self.kwargs.get("action_id", "")))
        if requester is not None and action_key is not None:
            async_to_sync(dispatch.refuse_click)(
                requester, action_key, ActionClick.Via.API, protocol.RATE_LIMITED
            )
        super().throttled(request, wait)


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _last_message(conversation_id: uuid.UUID, requester: Requester) -> uuid.UUID | None:
    """The newest message of an owned conversation: the replies are what comes after it."""
    return (
        MessageRow.objects.filter(
            requester.conversations_q("conversation__"), conversation__uuid=conversation_id
        )
        .order_by("-pk")
        .values_list("uuid", flat=True)
        .first()
    )


def _answer(outcome: Outcome, replies: str | None) -> Response:
    if outcome.status == protocol.NOT_FOUND:
        replies = None  # nothing to read in a conversation that is not yours
    body = {
        "status": outcome.status,
        "detail": outcome.detail,
        "notice": outcome.notice,
        "replies": replies,
    }
    return Response(OutcomeSerializer(body).data, status=HTTP_STATUS[outcome.status])
