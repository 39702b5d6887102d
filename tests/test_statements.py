"""The click's hand-written statements read and write rows exactly as the ORM does."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import DataError, connection
from django.db.models.functions import Now
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from chatactions.core.sql import compiled, inserts, statements
from chatactions.models import Action, ActionClick, Conversation, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def button() -> Action:
    visitor = uuid.uuid4()
    conversation = Conversation.objects.create(app="default", visitor=visitor)
    message = Message.objects.create(conversation=conversation, author="Bot", content="Sure?")
    return Action.objects.create(
        message=message,
        name="confirm",
        label="Yes",
        payload={"file": "a.txt", "n": [1, 2]},
        expires_at=timezone.now() + timedelta(hours=1),
    )


def test_find_action_reads_the_button_its_message_and_conversation_as_the_orm_does(
    button: Action,
) -> None:
    found = statements.find_action(button.uuid)
    orm = Action.objects.select_related("message__conversation").get(pk=button.pk)
    assert found is not None
    for model, mine, theirs in (
        (Action, found, orm),
        (Message, found.message, orm.message),
        (Conversation, found.message.conversation, orm.message.conversation),
    ):
        for field in model._meta.concrete_fields:
            assert getattr(mine, field.attname) == getattr(theirs, field.attname), field.name
    assert isinstance(found.payload, dict) and isinstance(found.uuid, uuid.UUID)
    assert found.expires_at is not None and found.expires_at.tzinfo is not None


def test_find_action_of_an_unknown_id_is_none(button: Action) -> None:
    assert statements.find_action(uuid.uuid4()) is None


def click_on(button: Action) -> ActionClick:
    return ActionClick(action=button, via="websocket", outcome="error", error="unfinished")


def claim(button: Action, token: uuid.UUID) -> tuple[bool, ActionClick]:
    now, click = timezone.now(), click_on(button)
    return statements.claim(button, now, now + timedelta(seconds=30), token, click), click


def test_only_one_claim_wins_until_it_is_released_with_its_own_token(button: Action) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    won, click = claim(button, first)
    assert won and click.pk is not None
    assert ActionClick.objects.get(pk=click.pk).error == "unfinished"
    lost, not_saved = claim(button, second)
    assert not lost and not_saved.pk is None
    assert ActionClick.objects.count() == 1  # a lost claim writes no audit row here
    statements.release(button, second, click)  # not its claim: the button stays claimed
    assert Action.objects.get(pk=button.pk).claim_token == first
    click.outcome, click.error = "ok", ""
    statements.release(button, first, click)
    assert Action.objects.get(pk=button.pk).claim_token is None
    assert ActionClick.objects.get(pk=click.pk).outcome == "ok"
    assert claim(button, second)[0]


def test_a_removed_or_disabled_button_cannot_be_claimed(button: Action) -> None:
    Action.objects.filter(pk=button.pk).update(disabled=True)
    assert not claim(button, uuid.uuid4())[0]
    Action.objects.filter(pk=button.pk).update(disabled=False, removed_at=timezone.now())
    assert not claim(button, uuid.uuid4())[0]
    assert not ActionClick.objects.exists()


def test_claim_insert_and_release_send_the_save_signals_a_site_listens_to(button: Action) -> None:
    seen: list[tuple[str, bool | None, object]] = []

    def before(
        sender: type[ActionClick],
        instance: ActionClick,
        update_fields: frozenset[str] | None,
        **kwargs: Any,
    ) -> None:
        seen.append(("pre", None, update_fields))

    def after(
        sender: type[ActionClick],
        instance: ActionClick,
        created: bool,
        update_fields: frozenset[str] | None,
        **kwargs: Any,
    ) -> None:
        seen.append(("post", created, update_fields))

    pre_save.connect(before, sender=ActionClick)
    post_save.connect(after, sender=ActionClick)
    try:
        _, click = claim(button, token := uuid.uuid4())
        statements.release(button, token, click)
        inserts.insert(click_on(button))
    finally:
        pre_save.disconnect(before, sender=ActionClick)
        post_save.disconnect(after, sender=ActionClick)
    fields = frozenset(statements.OUTCOME_FIELDS)
    assert seen == [
        ("pre", None, None),
        ("post", True, None),
        ("pre", None, fields),
        ("post", False, fields),
        ("pre", None, None),
        ("post", True, None),
    ]


def test_a_lost_claim_sends_no_save_signal_even_to_a_listener(button: Action) -> None:
    seen: list[object] = []

    def before(sender: type[ActionClick], instance: ActionClick, **kwargs: Any) -> None:
        seen.append(instance)

    assert claim(button, uuid.uuid4())[0]
    pre_save.connect(before, sender=ActionClick)
    try:
        won, _ = claim(button, uuid.uuid4())  # busy: the first claim holds the lease
    finally:
        pre_save.disconnect(before, sender=ActionClick)
    assert not won and seen == []


def test_writes_go_where_the_router_sends_writes_whatever_database_the_row_came_from(
    button: Action,
) -> None:
    button._state.db = "replica"  # as if a read router had loaded it from a replica
    won, click = claim(button, token := uuid.uuid4())
    assert won and Action.objects.using("default").get(pk=button.pk).claim_token == token
    statements.release(button, token, click)
    assert Action.objects.using("default").get(pk=button.pk).claim_token is None


def test_a_release_whose_audit_row_is_gone_logs_it_and_still_frees_the_button(
    button: Action, caplog: pytest.LogCaptureFixture
) -> None:
    _, click = claim(button, token := uuid.uuid4())
    ActionClick.objects.filter(pk=click.pk).delete()  # pruned while the callback ran
    statements.release(button, token, click)
    assert Action.objects.get(pk=button.pk).claim_token is None
    assert "was gone at release" in caplog.text


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite does not enforce lengths")
def test_a_value_too_long_fails_as_the_orm_would_instead_of_being_cut(button: Action) -> None:
    now, click = timezone.now(), ActionClick(action=button, via="w" * 17, outcome="error")
    with pytest.raises(DataError):
        statements.claim(button, now, now + timedelta(seconds=30), uuid.uuid4(), click)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="pretends to be a database without it")
def test_a_database_without_insert_returning_saves_through_the_orm(
    button: Action, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connection.features, "can_return_columns_from_insert", False)
    click = inserts.insert(ActionClick(action=button, via="form", outcome="ok"))
    assert ActionClick.objects.get(pk=click.pk).via == "form"


@pytest.mark.skipif(connection.vendor == "postgresql", reason="this is the PostgreSQL run itself")
def test_the_same_holds_on_postgresql() -> None:
    """The statements are written per connection: run this file again on PostgreSQL."""
    import subprocess
    import sys

    from tests.servers import POSTGRES_ADMIN_URL, ROOT, postgres_database

    with postgres_database():  # fails under CI, skips on a laptop, if PostgreSQL is missing
        pass
    # Under `make test`, the run on PostgreSQL counts towards the coverage report too:
    # its data file is combined with this process's at the end.
    import coverage

    measured = ["-m", "coverage", "run", "--parallel-mode"] if coverage.Coverage.current() else []
    pytest_args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-cov", __file__]
    done = subprocess.run(
        [sys.executable, *measured, *pytest_args],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": POSTGRES_ADMIN_URL,
            "DJANGO_TEST_DB_NAME": f"chatactions_statements_{uuid.uuid4().hex[:8]}",
        },
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout and "failed" not in done.stdout, done.stdout


def test_a_value_that_is_an_expression_is_saved_by_the_orm_not_sent_as_a_parameter(
    button: Action,
) -> None:
    # As a db_default would be: a parameter it cannot be, so save() compiles it.
    click = inserts.insert(ActionClick(action=button, via="form", outcome="ok", created_at=Now()))
    saved = ActionClick.objects.get(pk=click.pk)
    assert abs(saved.created_at - timezone.now()) < timedelta(minutes=1)
    assert ActionClick.objects.count() == 1


def test_a_statement_whose_values_cannot_be_placed_is_refused_not_run() -> None:
    with pytest.raises(RuntimeError, match=r"cannot place \['pk'\]"):
        compiled.compile_sql("UPDATE t SET a = %s", (1,), connection, "pk")
