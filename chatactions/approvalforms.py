"""The Edit and Reject forms of an approval, rebuilt by dotted path like any form row.

A form row stores only its class's path and its ``initial`` values, so the
Edit form carries its JSON Schema in ``initial`` under ``SCHEMA_KEY`` (not a
field, so never drawn as one) and builds its fields from it on any process.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import schemaform

#: Where the Edit form's row keeps its schema, beside the arguments it is drawn with.
SCHEMA_KEY = "__schema__"

EDIT_FORM = "chatactions.approvalforms.EditForm"
REJECT_FORM = "chatactions.approvalforms.RejectForm"


class EditForm(forms.Form):
    """The tool's arguments as fields generated from its schema, drawn with the ones shown."""

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        initial: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        values = dict(initial or {})
        schema = values.pop(SCHEMA_KEY, None)
        super().__init__(data, files, initial=values, **kwargs)
        if schema is not None:
            self.fields.update(schemaform.fields_for(schema))

    def arguments(self) -> dict[str, Any]:
        """The owner's edit, once valid: what the tool may run with."""
        return schemaform.arguments_from(self)


class RejectForm(forms.Form):
    """A rejection, with the owner's reason for the agent (optional)."""

    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


#: The names of an approval's three answers: reserved, so no site's button can take one.
APPROVE = "chatactions:approve"
EDIT = "chatactions:edit"
REJECT = "chatactions:reject"
DECISIONS = (APPROVE, EDIT, REJECT)
RESERVED_PREFIX = "chatactions:"
