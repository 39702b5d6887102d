"""``Form``: a Django form carried by a message, answered by a callback registered by name.

A form is a button that takes values: the same row, owned, claimed, refused
and removed the same way, with the form class's dotted path where a button
has nothing. Its ``payload`` stays on the server like a button's; its
``initial`` values are drawn in the page, so they are the sender's to choose.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django import forms

from . import formclass
from .action import Action
from .core.drafts import ActionDraft
from .exceptions import ActionError
from .storable import value_problem


class Form(Action):
    """``Message("Where to?", form=Form("ship", ShippingForm)).send()`` asks with a form.

    ``name`` picks the ``@form_callback``; ``form_class`` is a Django form
    class importable by its dotted path; ``submit_label`` is its button's text.
    ``ttl``/``expires_at`` make it answer ``gone`` after that time, as a button.
    """

    def __init__(
        self,
        name: str,
        form_class: type[forms.BaseForm],
        initial: dict[str, Any] | None = None,
        payload: dict[str, Any] | None = None,
        submit_label: str = "Send",
        *,
        ttl: float | timedelta | None = None,
        expires_at: datetime | None = None,
    ) -> None:
        super().__init__(name, submit_label, payload, ttl=ttl, expires_at=expires_at)
        self.form_class = form_class
        self.initial: dict[str, Any] = {} if initial is None else initial

    def __repr__(self) -> str:
        return f"<Form {self.name!r} {self.id}>"

    @property
    def submit_label(self) -> str:
        """The submit button's text (kept as the row's ``label``, like a button's)."""
        return self.label

    def draft(self) -> ActionDraft:
        """This form checked (as a button is, plus its class and ``initial``) and frozen."""
        self.validate()
        try:
            path = formclass.dotted(self.form_class)
        except ValueError as exc:
            raise ActionError(f"Form {self.name!r}: {exc}") from None
        if not isinstance(self.initial, dict):
            raise ActionError(f"Form {self.name!r}: initial must be a dict.")
        try:
            json.dumps(self.initial, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ActionError(
                f"Form {self.name!r}: initial is not JSON-serialisable ({exc}); "
                "give dates and numbers as the strings the form would be sent."
            ) from exc
        if (problem := value_problem(self.initial)) is not None:
            raise ActionError(f"Form {self.name!r}: initial cannot be stored: it {problem}.")
        return ActionDraft(
            id=self.id,
            name=self.name,
            label=self.label,
            payload=self.payload,
            expires_at=self.expires_at,
            kind="form",
            form_class=path,
            initial=self.initial,
        )
