"""What a tab shows, kept the way ``chat.js`` keeps it, and what a page shows, to compare them.

``Tab`` applies frames as the client does: a message frame is the message's
whole state at its position and replaces an older one; a removal is for good;
the tab's position moves only over positions it has seen. ``drawn`` reduces
HTML (a page, or a tab's messages) to what a person sees: each message's id
and text, and its buttons' ids, in order.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

_MESSAGE = re.compile(r"<li class=\"ca-message.*?</li>", re.S)
_ROOT_SEQ = re.compile(r"data-chatactions [^>]*data-seq=\"(\d+)\"")


class _Drawn(HTMLParser):
    def __init__(self, gone: set[str]) -> None:
        super().__init__()
        self.gone = gone
        self.messages: list[tuple[str, str, list[str]]] = []
        self.text: list[str] = []
        self.skip = 0  # inside a removed button's form

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if self.skip:
            self.skip += tag == "form"
        elif (message := found.get("data-message-id")) is not None:
            self._close()
            self.messages.append((message, "", []))
        elif (action := found.get("data-action-id")) is not None:
            if action in self.gone:
                self.skip = 1
            else:
                self.messages[-1][2].append(action)

    def handle_endtag(self, tag: str) -> None:
        if self.skip and tag == "form":
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip and self.messages:
            self.text.append(data)

    def _close(self) -> None:
        if self.messages:
            message, _, actions = self.messages[-1]
            self.messages[-1] = (message, " ".join("".join(self.text).split()), actions)
        self.text = []

    def result(self) -> list[tuple[str, str, list[str]]]:
        self._close()
        return self.messages


def drawn(html: str, gone: set[str] | None = None) -> list[tuple[str, str, list[str]]]:
    """(message id, its text, its button ids) for each message, as a person sees them."""
    parser = _Drawn(gone or set())
    parser.feed("".join(_MESSAGE.findall(html)))
    return parser.result()


class Tab:
    """A tab's messages, its position, and what it knows is gone, as ``chat.js`` keeps them."""

    def __init__(self, page: str) -> None:
        found = _ROOT_SEQ.search(page)
        assert found, "the page has no data-seq"
        self.seq = int(found.group(1))
        self.ahead: set[int] = set()
        self.messages: dict[str, tuple[int, str]] = {}
        for html in _MESSAGE.findall(page):
            message = re.search(r'data-message-id="([^"]+)"', html)
            seq = re.search(r'data-seq="(\d+)"', html)
            assert message and seq
            self.messages[message.group(1)] = (int(seq.group(1)), html)
        self.gone_messages: set[str] = set()
        self.gone_actions: set[str] = set()

    def saw(self, seq: int) -> None:
        if seq > self.seq:
            self.ahead.add(seq)
        while self.seq + 1 in self.ahead:
            self.ahead.discard(self.seq + 1)
            self.seq += 1

    def apply(self, frame: dict[str, Any]) -> None:
        """One frame, live or resent, in whatever order it came."""
        kind = frame["type"]
        if kind == "ack" and "has_more" in frame:
            self.seq = frame["seq"]
            self.ahead = {s for s in self.ahead if s > self.seq}
            self.saw(self.seq)
            return
        if kind not in ("message", "message.update", "message.remove", "action.remove"):
            return
        self.saw(frame["seq"])
        if kind == "message.remove":
            self.gone_messages.add(frame["id"])
            self.messages.pop(frame["id"], None)
        elif kind == "action.remove":
            self.gone_actions.add(frame["id"])
        elif frame["id"] not in self.gone_messages:
            shown = self.messages.get(frame["id"])
            if shown is None or shown[0] < frame["seq"]:
                self.messages[frame["id"]] = (frame["seq"], frame["html"])

    def drawn(self) -> list[tuple[str, str, list[str]]]:
        """What the tab shows, in the order ``chat.js`` inserts messages (``data-ts``)."""

        def ts(html: str) -> int:
            found = re.search(r'data-ts="(\d+)"', html)
            return int(found.group(1)) if found else 0

        ordered = sorted((html for _, html in self.messages.values()), key=ts)
        return drawn("".join(ordered), self.gone_actions)

    async def sync(self, socket: Any) -> list[dict[str, Any]]:
        """Sync page by page until ``has_more`` is false; the acks, one per page."""
        acks = []
        while True:
            frames, ack = await socket.request({"type": "sync", "since": self.seq})
            assert ack["status"] == "ok", ack
            for frame in [*frames, ack]:
                self.apply(frame)
            acks.append(ack)
            if not ack["has_more"]:
                return acks
