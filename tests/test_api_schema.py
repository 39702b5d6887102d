"""Property-based: schemathesis drives every operation of the OpenAPI schema.

It sends what the schema allows and, in its negative and coverage phases, what
it forbids, through the real WSGI application, and fails on any 5xx, on any
answer the schema does not describe and on any forbidden input accepted. A
stranger's run aims at random ids; the owner's run aims at a real
conversation and its real buttons, so the happy paths and the body checks
behind the ownership check are fuzzed too. Bounded: a fixed number of examples
per operation (about 700 requests, some ten seconds).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from asgiref.sync import async_to_sync
from django.contrib.auth.models import User
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation

import chatactions as ca
from chatactions.models import Conversation
from chatactions.registry import default_registry

from .forms import NameForm

EXAMPLES = 100
AUTHORIZATION = "Basic " + base64.b64encode(b"fuzzer:fuzz-pw").decode()

# Loaded at collection from the app's own schema view, which needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())

fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases on every run: a failure here is reproducible
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def owned(db: Any, settings: Any, callbacks: Any) -> Iterator[dict[str, str]]:
    """A user's conversation with a live button and form: the ids the owner's run aims at.

    Its callback leaves the button in place (the demo bot's remove theirs), so
    every click of the run reaches the callback rather than a ``410 gone``.
    """
    callbacks("fuzz_me")(lambda action: "fuzzed")
    settings.CHATACTIONS = {"RATE_LIMIT": 0}  # fuzz the API, not the throttle
    # Basic auth checks the password on every request; PBKDF2 would take most of the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = User.objects.create_user("fuzzer", password="fuzz-pw")
    conversation = Conversation.objects.create(user=user)
    message = async_to_sync(
        ca.Message(
            "Are you sure?",
            actions=[ca.Action("fuzz_me", "Fuzz me")],
            form=ca.Form("fuzz_form", NameForm),
            conversation=conversation,
        ).send
    )()
    default_registry.form_callback("fuzz_form")(lambda submission: "fuzzed")
    assert message.form is not None
    yield {
        "conversation_id": str(conversation.uuid),
        "action_id": str(message.actions[0].id),
        "form_id": str(message.form.id),
    }
    default_registry.unregister_form("fuzz_form")


@schema.parametrize()
@fuzz
def test_a_stranger_gets_only_answers_the_schema_describes(case: Any, owned: Any) -> None:
    case.call_and_validate()


@schema.parametrize()
@fuzz
def test_the_owner_gets_only_answers_the_schema_describes(
    case: Any, owned: dict[str, str]
) -> None:
    case.headers = {**(case.headers or {}), "Authorization": AUTHORIZATION}
    path = case.meta.components.get(ParameterLocation.PATH) if case.meta else None
    if path is None or path.mode.is_positive:  # leave ids that are meant to be malformed
        for name in case.path_parameters or {}:
            case.path_parameters[name] = owned[name]
    case.call_and_validate()
