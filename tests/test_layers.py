"""The Redis pub/sub layer in process: what chatactions subscribes, it unsubscribes.

A pub/sub layer keeps a Redis subscription per channel until a ``receive`` on
it is cancelled; a channel made for one question must not outlive it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import redis
from django.test import override_settings

import chatactions as ca
from chatactions.context import group_name
from chatactions.models import Conversation

from .conftest import Chat
from .servers import redis_env

pytestmark = pytest.mark.django_db(transaction=True)


class Subscriptions:
    """The channels with a subscriber on Redis under one test's prefix."""

    def __init__(self, url: str, prefix: str) -> None:
        self.client = redis.Redis.from_url(url)
        self.prefix = prefix

    def __call__(self) -> set[bytes | str]:
        return set(self.client.pubsub_channels(f"{self.prefix}*"))


@pytest.fixture
def subscriptions() -> Iterator[Subscriptions]:
    env = redis_env()
    layer = {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [env["REDIS_URL"]], "prefix": env["CHANNELS_REDIS_PREFIX"]},
    }
    with override_settings(CHANNEL_LAYERS={"default": layer}):
        yield Subscriptions(env["REDIS_URL"], env["CHANNELS_REDIS_PREFIX"])


def question(conversation: Conversation, timeout: float = 5.0) -> ca.AskActionMessage:
    return ca.AskActionMessage(
        "Continue?", actions=[ca.Action("yes", "Yes")], timeout=timeout, conversation=conversation
    )


async def settled(subscriptions: Subscriptions, expected: set[bytes | str]) -> set[bytes | str]:
    """The subscriptions once unsubscribing (a round trip to Redis) has had time to finish."""
    for _ in range(50):
        if (now := await asyncio.to_thread(subscriptions)) == expected:
            break
        await asyncio.sleep(0.02)
    return now


async def listening(subscriptions: Subscriptions, conversation: Conversation) -> set[bytes | str]:
    """The subscriptions once the chat's socket has joined its conversation's group.

    The socket is accepted before it joins its groups, so right after the
    handshake its group may not be subscribed yet: wait for it, not for luck.
    """
    group = group_name(conversation)
    for _ in range(250):
        now = await asyncio.to_thread(subscriptions)
        if any(group in (c.decode() if isinstance(c, bytes) else c) for c in now):
            return now
        await asyncio.sleep(0.02)
    raise AssertionError(f"the socket never joined {group}")


async def test_an_answered_question_leaves_no_subscription_behind(
    subscriptions: Subscriptions, chat: Chat
) -> None:
    _, conversation, socket = chat
    before = await listening(subscriptions, conversation)
    waiting = asyncio.ensure_future(question(conversation).send())
    sent = await socket.receive()
    await socket.request({"type": "action", "id": sent["actions"][0]["id"]})
    picked = await asyncio.wait_for(waiting, 5)
    assert picked is not None
    assert picked.name == "yes"
    assert await settled(subscriptions, before) == before


async def test_a_timed_out_question_leaves_no_subscription_behind(
    subscriptions: Subscriptions, chat: Chat
) -> None:
    _, conversation, _ = chat
    before = await listening(subscriptions, conversation)
    assert await question(conversation, timeout=0.3).send() is None
    assert await settled(subscriptions, before) == before
