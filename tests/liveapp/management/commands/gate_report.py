"""``manage.py gate_report <action>``: what the database says about one gate button, as JSON."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from chatactions.models import Action, Message
from tests.liveapp.gate import PASSED


class Command(BaseCommand):
    help = "Print the clicks, the claim and the runs of one gate button as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        row = Action.objects.select_related("message").get(uuid=action)
        report = {
            "clicks": list(row.clicks.order_by("pk").values("via", "outcome", "error")),
            "claimed_until": row.claimed_until.isoformat() if row.claimed_until else None,
            "passed": Message.objects.filter(
                conversation_id=row.message.conversation_id, content=PASSED
            ).count(),
        }
        self.stdout.write(json.dumps(report))
