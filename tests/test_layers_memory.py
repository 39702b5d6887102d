"""The in-memory layer of one process: Channels' own, with its expiry sweep throttled."""

from __future__ import annotations

import asyncio

from pytest_django.fixtures import Settings

from chatactions.checks import check_channel_layer, check_layer_for_production
from chatactions.layers import InMemoryChannelLayer


async def test_it_carries_group_frames_like_channels_own() -> None:
    layer = InMemoryChannelLayer()
    channel = await layer.new_channel()
    await layer.group_add("chat", channel)
    await layer.group_send("chat", {"type": "chat.frames", "texts": ["hi"]})
    assert await layer.receive(channel) == {"type": "chat.frames", "texts": ["hi"]}


async def test_expired_messages_are_still_dropped_at_the_next_sweep() -> None:
    layer = InMemoryChannelLayer(expiry=0.05, sweep_interval=0.1)
    stale, fresh = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("chat", stale)
    await layer.send(stale, {"type": "old"})
    await asyncio.sleep(0.15)  # past the expiry and the sweep interval
    await layer.send(fresh, {"type": "new"})
    assert await layer.receive(fresh) == {"type": "new"}  # this receive sweeps
    assert stale not in layer.channels
    assert stale not in layer.groups.get("chat", {})  # an expired channel leaves its groups


async def test_receives_within_the_interval_do_not_sweep_again() -> None:
    layer = InMemoryChannelLayer(expiry=0.05, sweep_interval=60)
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "a"})
    assert await layer.receive(channel) == {"type": "a"}  # the first receive sweeps
    await layer.send(channel, {"type": "b"})
    await asyncio.sleep(0.1)  # "b" expires, but the next sweep is a minute away
    assert await layer.receive(channel) == {"type": "b"}


def test_the_one_process_warning_knows_this_layer(settings: Settings) -> None:
    settings.DEBUG = False
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "chatactions.layers.InMemoryChannelLayer"}}
    assert [w.id for w in check_layer_for_production(None)] == ["chatactions.W003"]


def test_a_layer_that_cannot_be_imported_is_not_taken_for_an_in_memory_one(
    settings: Settings,
) -> None:
    settings.DEBUG = False
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "no.such.Layer"}}
    assert check_layer_for_production(None) == []
    assert [e.id for e in check_channel_layer(None)] == ["chatactions.E007"]
