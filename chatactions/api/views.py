"""The HTTP API's views: thin, like the consumer, with ``dispatch`` doing the work.

Each view finds the requester (``owners``), refuses what the socket refuses,
and hands clicks and messages to the same async ``dispatch`` functions through
``async_to_sync``. What a callback sends is persisted and broadcast there, so
open sockets of the conversation see an HTTP click's replies live.
"""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any, NoReturn

from asgiref.sync import async_to_sync
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, gettext_lazy
from rest_framework import status
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from .. import dispatch, history, protocol
from ..conf import chat_settings
from ..context import Chat
from ..models import ActionClick, Conversation
from ..models import Message as MessageRow
from ..registry import get_registry
from . import schema
from .base import ChatAPIView, answer, last_message, no_such_action, parse_uuid
from .inputs import MessageQuerySerializer, NewMessageSerializer, RenameSerializer
from .serializers import ConversationSerializer, MessageSerializer, OutcomeSerializer, messages_url


class ConversationPagination(CursorPagination):
    """Newest activity first, as the history page; a cursor, so new ones do not shift pages."""

    ordering = ("-last_activity_at", "-pk")
    page_size = 50
    # Lazy, as DRF's own default is; the stubs type it str.
    invalid_cursor_message = gettext_lazy(  # type: ignore[assignment]
        "Invalid cursor: use a next or previous link as it came."
    )

    def decode_cursor(self, request: Request) -> Cursor | None:
        """DRF's cursor, whose position must be a time with its offset, as ours always are.

        DRF hands the position to the query as it is, so a forged ``p=not-a-date``
        fails in the database, a 500; here it is a 404, like any other bad cursor.
        """
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None:
            return cursor
        try:
            when = parse_datetime(str(cursor.position))
            if when is None or when.tzinfo is None:
                raise ValueError(cursor.position)
            position: Any = when.astimezone(UTC).isoformat()  # the stubs say int: it is text
        except (ValueError, OverflowError):
            raise NotFound(self.invalid_cursor_message) from None
        return cursor._replace(position=position)

    def get_paginated_response_schema(self, results: dict[str, Any]) -> dict[str, Any]:
        """DRF's own example cursor URL ends in a stray quote; show one of ours instead."""
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
        return history.with_preview(history.owned(requester))

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
    """One conversation of the requester's: read, renamed, deleted."""

    serializer_class = ConversationSerializer

    def preview(self, conversation_id: str) -> Conversation:
        """The owned conversation with its first message's start, for ``display_title``."""
        requester, conversation = self.owned(conversation_id)
        return history.with_preview(history.owned(requester)).get(pk=conversation.pk)

    @schema.get_conversation
    def get(self, request: Request, conversation_id: str) -> Response:
        """One conversation, or 404 exactly as for an id that does not exist."""
        return Response(self.get_serializer(self.preview(conversation_id)).data)

    @schema.rename_conversation
    def patch(self, request: Request, conversation_id: str) -> Response:
        """Rename it, as the history page's form does."""
        requester, conversation = self.owned(conversation_id)
        body = RenameSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if "title" in body.validated_data:
            history.rename(requester, conversation.uuid, body.validated_data["title"])
        return Response(self.get_serializer(self.preview(conversation_id)).data)

    @schema.delete_conversation
    def delete(self, request: Request, conversation_id: str) -> Response:
        """Delete it for its owner (soft: the rows stay for the audit trail)."""
        requester, conversation = self.owned(conversation_id)
        history.delete(requester, conversation.uuid)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MessageList(ChatAPIView):
    """Read a conversation's messages (with a cursor) and write to it."""

    serializer_class = MessageSerializer

    @schema.list_messages
    def get(self, request: Request, conversation_id: str) -> Response:
        """Messages oldest first, ``SYNC_LIMIT`` at most, after the ``after`` message if given."""
        requester, conversation = self.owned(conversation_id)
        async_to_sync(dispatch.notice_lapsed)(Chat(conversation, requester))
        query = MessageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        after: uuid.UUID | None = query.validated_data.get("after")
        try:
            rows = MessageRow.objects.live(conversation, after)
        except MessageRow.DoesNotExist:
            raise NotFound(gettext("No such message.")) from None
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
        before = last_message(conversation.uuid, requester)
        outcome = async_to_sync(dispatch.user_message)(
            requester, conversation.uuid, body.validated_data["content"]
        )
        return answer(outcome, messages_url(request, conversation.uuid, before))


class StopView(ChatAPIView):
    """Stop the bot: the socket's ``stop`` and the page's Stop button, over HTTP."""

    serializer_class = OutcomeSerializer

    @schema.stop
    def post(self, request: Request, conversation_id: str) -> Response:
        """Cancel the conversation's running handlers wherever they run; 404 if not yours."""
        requester, conversation = self.owned(conversation_id)
        return answer(async_to_sync(dispatch.stop)(requester, conversation.uuid), None)


class ActionClickView(ChatAPIView):
    """Click a button by id: the same ``dispatch.click`` as the socket and the form."""

    serializer_class = OutcomeSerializer
    #: The URL's id of what is answered, for the audit row of a throttled request.
    id_kwarg = "action_id"

    @schema.click
    def post(self, request: Request, conversation_id: str, action_id: str) -> Response:
        """A click through the same ``dispatch`` as the socket and the forms."""
        requester = self.requester()
        conversation_key, action_key = parse_uuid(conversation_id), parse_uuid(action_id)
        if requester is None or conversation_key is None or action_key is None:
            return answer(no_such_action(), None)
        before = last_message(conversation_key, requester)
        outcome = async_to_sync(dispatch.click)(
            requester, conversation_key, action_key, ActionClick.Via.API
        )
        return answer(outcome, messages_url(request, conversation_key, before))

    def throttled(self, request: Request, wait: float) -> NoReturn:
        """Refuse with 429, as for any request; a click on an existing button is audited first."""
        requester = self.requester()
        action_key = parse_uuid(str(self.kwargs.get(self.id_kwarg, "")))
        if requester is not None and action_key is not None:
            async_to_sync(dispatch.refuse_click)(
                requester, action_key, ActionClick.Via.API, protocol.RATE_LIMITED
            )
        super().throttled(request, wait)
