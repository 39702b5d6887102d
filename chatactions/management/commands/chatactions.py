"""``manage.py chatactions callbacks``, ``prune --older-than 30d`` and ``expire [--every 60]``."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

from asgiref.sync import async_to_sync
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from chatactions import dispatch
from chatactions.models import Conversation
from chatactions.registry import all_registries

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_age(text: str) -> timedelta:
    """``30d``, ``12h``, ``90m``, ``2w``, ``45s`` as a timedelta."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhdw])\s*", text)
    if match is None:
        raise CommandError(f"Cannot read the age {text!r}: use a number and s, m, h, d or w.")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


class Command(BaseCommand):
    """``manage.py chatactions callbacks|prune|expire``: what is registered, and housekeeping."""

    help = "List registered chat callbacks, delete old conversations, expire approvals."

    def add_arguments(self, parser: CommandParser) -> None:
        """One subcommand per job, as ``manage.py`` users expect."""
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("callbacks", help="List every handler and callback with its source.")
        prune = sub.add_parser("prune", help="Delete conversations older than an age.")
        prune.add_argument("--older-than", required=True, type=parse_age, metavar="AGE")
        prune.add_argument("--batch-size", type=int, default=500)
        prune.add_argument("--dry-run", action="store_true")
        expire = sub.add_parser(
            "expire", help="Expire approvals past their time: each callback runs once."
        )
        expire.add_argument(
            "--every", type=float, default=0, metavar="SECONDS", help="Keep sweeping."
        )

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        """Run the subcommand asked for."""
        if subcommand == "callbacks":
            self.callbacks()
        elif subcommand == "expire":
            self.expire(options["every"])
        else:
            self.prune(options["older_than"], options["batch_size"], options["dry_run"])

    def callbacks(self) -> None:
        """List every handler and callback with where it is defined, to find a missing one."""
        for registry in all_registries():
            for registration in registry.registrations():
                self.stdout.write(f"{registry.name}\t{registration.name}\t{registration.where}")

    def expire(self, every: float) -> None:
        """Settle approvals past their time, once or every ``every`` seconds (a small worker).

        Several sweepers (or a sweeper and a tab's ``sync``) may run at once:
        each approval's expiry is one conditional UPDATE, so its callback runs once.
        """
        while True:
            settled = async_to_sync(dispatch.expire_approvals)()
            self.stdout.write(f"Expired {settled} approvals.")
            if every <= 0:
                return
            time.sleep(every)

    def prune(self, age: timedelta, batch_size: int, dry_run: bool) -> None:
        """Delete in batches, so a big prune never holds one huge transaction or lock."""
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        old = Conversation.objects.filter(created_at__lt=timezone.now() - age)
        if dry_run:
            self.stdout.write(f"Would delete {old.count()} conversations.")
            return
        total = 0
        while ids := list(old.values_list("pk", flat=True)[:batch_size]):
            Conversation.objects.filter(pk__in=ids).delete()
            total += len(ids)
        self.stdout.write(f"Deleted {total} conversations.")
