"""The demo's shipping form without its photo: a form chat.js sends over the socket."""

from __future__ import annotations

from project.bot.forms import ShippingForm


class ShippingWithoutPhoto(ShippingForm):
    """No file field, so no multipart: a ``submit`` frame carries its values."""

    photo = None  # type: ignore[assignment]  # Django's way to drop an inherited field
