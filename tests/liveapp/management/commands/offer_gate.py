"""``manage.py offer_gate <conversation> <folder>``: post a gate button, print its id."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from django.core.management.base import BaseCommand, CommandParser

import chatactions as ca
from chatactions.models import Conversation


class Command(BaseCommand):
    help = "Post a message with one 'gate' button to a conversation and print the button's id."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("conversation")
        parser.add_argument("folder")

    def handle(self, *args: Any, conversation: str, folder: str, **options: Any) -> None:
        message = ca.Message(
            "Through the gate?",
            actions=[ca.Action("gate", "Go", payload={"folder": folder})],
            conversation=Conversation.objects.get(uuid=conversation),
        )
        async_to_sync(message.send)()
        self.stdout.write(str(message.actions[0].id))
