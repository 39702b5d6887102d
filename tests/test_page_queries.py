"""A long conversation's page renders in a constant number of SQL queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chatactions.models import Conversation

from .conftest import Visitor
from .rows import grow

pytestmark = pytest.mark.django_db


def page_queries(visitor: Visitor, conversation: Conversation) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = visitor.client.get(f"/chat/{conversation.uuid}/")
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_page_of_1000_messages_and_3000_buttons_needs_at_most_6_queries(visitor: Visitor) -> None:
    conversation = visitor.start()
    grow(conversation, 999, 3)
    count, html = page_queries(visitor, conversation)
    assert count <= 6
    assert html.count("data-message-id=") == 1000
    assert html.count("data-action-id=") == 2997


def test_query_count_does_not_grow_with_the_conversation(visitor: Visitor) -> None:
    conversation = visitor.start()
    small, _ = page_queries(visitor, conversation)
    grow(conversation, 200, 2)
    large, _ = page_queries(visitor, conversation)
    assert small == large
