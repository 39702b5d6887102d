"""A story told word by word: a stand-in for a language model, with no network or model.

``words()`` yields a few paragraphs with a short pause between words, as a
model's tokens arrive, so the demo's Stop button can be tried. The pause is
read from ``DEMO_STORY_PAUSE`` (seconds) each time, so tests and benchmarks
can speed it up.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

STORY = (
    "Once upon a time, in a **small town** by the sea, there lived a lighthouse keeper "
    "named Ada. Every night she climbed the hundred steps of her tower and lit the lamp, "
    "so the fishing boats could find their way home.\n\n"
    "One stormy evening the lamp would not light. Ada checked the wick, the oil and the "
    "glass, and found a small grey bird sheltering in the lantern room, soaked and "
    "shivering. She dried it by the stove and, while it slept, mended the lamp by the "
    "light of a single candle.\n\n"
    "When the beam swept out over the waves again, three boats turned towards the "
    "harbour. In the morning the bird was gone, but on the windowsill lay a bright blue "
    "feather. Ada kept it by the lamp for the rest of her days, and the lamp never "
    "failed again.\n\n"
    "*The end.*"
)


def pause() -> float:
    """Seconds between two words."""
    return float(os.environ.get("DEMO_STORY_PAUSE", "0.08"))


async def words(text: str = STORY) -> AsyncIterator[str]:
    """The story's words, each but the last with the space that follows it."""
    delay = pause()
    words = text.split(" ")
    for i, word in enumerate(words):
        yield word if i == len(words) - 1 else word + " "
        await asyncio.sleep(delay)
