"""The benchmark's form: two fields, validated as the demo's are."""

from __future__ import annotations

from django import forms


class ShipForm(forms.Form):
    address = forms.CharField(max_length=200)
    speed = forms.ChoiceField(choices=[("standard", "Standard"), ("express", "Express")])


class ShipPhotoForm(ShipForm):
    """The same two fields and a file: posted over HTTP (multipart), not in a frame."""

    photo = forms.FileField()
