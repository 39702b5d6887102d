"""The demo's shipping form: a plain Django form, validated on the server.

Its optional photo makes it a multipart form: ``chat.js`` posts it over HTTP
(files do not travel in WebSocket frames) and the upload is stored through
Django's default storage, under ``MEDIA_ROOT``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms


class ShippingForm(forms.Form):
    """Where and how to ship the demo's order."""

    address = forms.CharField(max_length=200)
    speed = forms.ChoiceField(choices=[("standard", "Standard"), ("express", "Express")])
    extras = forms.MultipleChoiceField(
        choices=[("gift", "Gift wrap"), ("note", "Card")],  # as actions.EXTRAS says them
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    when = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    photo = forms.FileField(
        required=False,
        label="Photo of the parcel",
        help_text="Optional.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )

    def clean_when(self) -> datetime.date:
        """Not in the past: an error the server finds, shown beside the field."""
        when: datetime.date = self.cleaned_data["when"]
        if when < datetime.date.today():
            raise forms.ValidationError("Pick today or a later day.")
        return when


def as_initial(cleaned_data: dict[str, Any]) -> dict[str, Any]:
    """Cleaned values as a form's ``initial`` (JSON): a date as the string it was typed as.

    A file cannot be a file input's initial value (a browser picks files only
    from the user's own disk), so the photo is left out: "Change" asks for it again.
    """
    return {
        name: value.isoformat() if isinstance(value, datetime.date) else value
        for name, value in cleaned_data.items()
        if name != "photo"
    }
