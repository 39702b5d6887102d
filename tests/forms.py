"""Form classes the tests send: importable by dotted path, as every form class must be."""

from __future__ import annotations

from typing import Any

from django import forms


class ShippingForm(forms.Form):
    address = forms.CharField(max_length=200)
    speed = forms.ChoiceField(choices=[("standard", "Standard"), ("express", "Express")])
    extras = forms.MultipleChoiceField(
        choices=[("gift", "Gift wrap"), ("note", "Card")],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    when = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    insured = forms.BooleanField(required=False)

    def clean(self) -> Any:
        data = super().clean() or {}
        if data.get("speed") == "express" and "gift" in data.get("extras", []):
            raise forms.ValidationError("Express orders cannot be gift wrapped.")
        return data


class NameForm(forms.Form):
    name = forms.CharField(max_length=50, help_text="As it should appear on the parcel.")


VALID = {
    "address": "1 Main St",
    "speed": "express",
    "extras": ["note"],
    "when": "2026-12-24",
    "insured": True,
}


class PhotoForm(forms.Form):
    caption = forms.CharField(max_length=50)
    photo = forms.FileField()


class ParcelForm(forms.Form):
    """A form whose file is optional: left empty, an ``AskFormMessage`` answers ``None`` for it."""

    address = forms.CharField(max_length=200)
    photo = forms.FileField(required=False)
