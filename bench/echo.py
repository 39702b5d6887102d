"""The floor: a bare Channels JSON echo consumer, served by the same daphne.

Absolute times drift on shared machines; every benchmark figure is also given
as a ratio to this echo's round trip, measured in the same run.
"""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class EchoConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        await self.send_json(content)
