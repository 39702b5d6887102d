"""What a test reads: messages and buttons as a tab draws them, and the answer to a frame."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Button:
    """A button as a tab draws it, with the fields of the wire (never the payload)."""

    id: str
    name: str
    label: str
    tooltip: str | None = None
    icon: str | None = None
    variant: str | None = None
    disabled: bool = False
    confirm: str | None = None
    expires_at: str | None = None


@dataclass(frozen=True)
class ChatMessage:
    """A message as a tab shows it: ``text`` is what was sent, ``html`` what is drawn."""

    id: str
    author: str
    from_user: bool
    text: str
    html: str
    buttons: tuple[Button, ...] = ()

    @property
    def labels(self) -> list[str]:
        """The labels of its buttons, in order: the shortest way to assert what is offered."""
        return [button.label for button in self.buttons]

    @classmethod
    def from_frame(cls, frame: dict[str, Any]) -> ChatMessage:
        """Read a ``message`` frame of protocol v1."""
        names = [f.name for f in fields(Button)]
        buttons = tuple(Button(**{n: a.get(n) for n in names}) for a in frame["actions"])
        return cls(
            frame["id"],
            frame["author"],
            frame["from_user"],
            frame["content"],
            frame["html"],
            buttons,
        )


@dataclass(frozen=True)
class Answer:
    """The server's ``ack`` of one frame, and the messages that arrived before it."""

    status: str
    detail: str = ""
    notice: str | None = None
    messages: list[ChatMessage] = field(default_factory=list)
