"""The sequence itself: positions taken in order, never twice, never rewound.

The rest of the promise (a synced tab equals the page) is in ``test_sync.py``.
This file runs again on PostgreSQL, where writers really run at once.
"""

from __future__ import annotations

import importlib
import os
import threading
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection, connections

from chatactions.context import Chat
from chatactions.core import messages
from chatactions.core.drafts import MessageDraft
from chatactions.core.sql import sequence
from chatactions.models import Conversation, Message
from chatactions.owners import Requester

pytestmark = pytest.mark.django_db(transaction=True)


def position(conversation: Conversation) -> int:
    return int(Conversation.objects.values_list("seq", flat=True).get(pk=conversation.pk))


def test_existing_messages_are_numbered_in_the_order_they_were_saved() -> None:
    first = Conversation.objects.create(visitor="00000000-0000-0000-0000-000000000001")
    second = Conversation.objects.create(visitor="00000000-0000-0000-0000-000000000002")
    rows = [Message.objects.create(conversation=c, content="x") for c in (first, second, first)]
    migration = importlib.import_module("chatactions.migrations.0008_sequence")
    migration.number_existing(apps, SimpleNamespace(connection=connection))
    seqs = {m.pk: m.seq for m in Message.objects.all()}
    assert [seqs[r.pk] for r in rows] == [r.pk for r in rows]
    assert position(first) == rows[2].pk and position(second) == rows[1].pk


def test_a_stale_copy_saved_does_not_move_the_position_back() -> None:
    conversation = Conversation.objects.create(visitor="00000000-0000-0000-0000-000000000003")
    stale = Conversation.objects.get(pk=conversation.pk)
    sequence.take(conversation.pk, 5)
    stale.app = "other"
    stale.save()
    assert position(conversation) == 5
    assert Conversation.objects.get(pk=conversation.pk).app == "other"


def test_a_database_that_cannot_return_from_an_update_still_gets_positions() -> None:
    conversation = Conversation.objects.create(visitor="00000000-0000-0000-0000-000000000004")
    assert sequence.take(conversation.pk) == 1
    later = conversation.last_activity_at + timedelta(minutes=1)
    assert sequence.take(conversation.pk, touch=later) == 2
    saved = dict(sequence._built)
    for key, built in saved.items():
        sequence._built[key] = sequence._Take(built.update, None)
    try:
        assert sequence.take(conversation.pk, 2) == 4
        assert sequence.take(conversation.pk, 1, touch=later + timedelta(minutes=1)) == 5
    finally:
        sequence._built.update(saved)
    assert position(conversation) == 5
    touched = Conversation.objects.get(pk=conversation.pk).last_activity_at
    assert touched == later + timedelta(minutes=1)


def test_a_position_taken_with_an_older_time_leaves_the_activity_as_it_was() -> None:
    conversation = Conversation.objects.create(visitor="00000000-0000-0000-0000-000000000005")
    earlier = conversation.last_activity_at - timedelta(hours=1)
    assert sequence.take(conversation.pk, touch=earlier) == 1
    kept = Conversation.objects.get(pk=conversation.pk).last_activity_at
    assert kept == conversation.last_activity_at


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
def test_concurrent_changes_never_show_a_later_position_before_an_earlier_one() -> None:
    """Six writers at once; a reader that sees position N always sees every position below N."""
    requester = Requester(visitor=uuid.uuid4())
    conversation = Conversation.objects.create(**requester.owner_fields())
    chat = Chat(conversation, requester)
    done = threading.Event()
    holes: list[list[int]] = []

    def write() -> None:
        try:
            for i in range(20):
                messages.save_message(chat, MessageDraft(id=uuid.uuid4(), content=f"m{i}"))
        finally:
            connections.close_all()

    def read() -> None:
        try:
            while not done.is_set():
                seen = sorted(
                    Message.objects.filter(conversation=conversation).values_list("seq", flat=True)
                )
                if seen != list(range(1, len(seen) + 1)):
                    holes.append(seen)
        finally:
            connections.close_all()

    writers = [threading.Thread(target=write) for _ in range(6)]
    reader = threading.Thread(target=read)
    reader.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    reader.join()
    assert holes == []
    seqs = sorted(Message.objects.filter(conversation=conversation).values_list("seq", flat=True))
    assert seqs == list(range(1, 121)) and position(conversation) == 120


@pytest.mark.skipif(connection.vendor == "postgresql", reason="this is the PostgreSQL run itself")
def test_the_same_holds_on_postgresql() -> None:
    """Run this file again on PostgreSQL, counted towards coverage as test_statements does."""
    import subprocess
    import sys

    import coverage

    from tests.servers import POSTGRES_ADMIN_URL, ROOT, postgres_database

    with postgres_database():  # fails under CI, skips on a laptop, if PostgreSQL is missing
        pass
    measured = ["-m", "coverage", "run", "--parallel-mode"] if coverage.Coverage.current() else []
    pytest_args = ["-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "--no-cov", __file__]
    done = subprocess.run(
        [sys.executable, *measured, *pytest_args],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": POSTGRES_ADMIN_URL,
            "DJANGO_TEST_DB_NAME": f"chatactions_sequence_{uuid.uuid4().hex[:8]}",
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout and "failed" not in done.stdout, done.stdout
    assert "one writer at a time" not in done.stdout, done.stdout  # the concurrent test ran
