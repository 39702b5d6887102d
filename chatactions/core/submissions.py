"""A form submission's user code and drawing: bind the form class, validate, draw it bound.

``dispatch`` decides what a submission may do, after ownership and before any
claim, so invalid values claim nothing and run no callback. Validation is the
site's own code (its form class's ``clean`` methods), run here in the
dispatcher's database hop; the bound form with its errors is drawn by the
same template as the page, for the submitter's tab only.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, cast

from django import forms
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.template.loader import render_to_string
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from .. import formclass, rendering
from ..conf import chat_settings
from ..formclass import Values
from ..models import Action as ActionRow

logger = logging.getLogger(__name__)


def bind(
    row: ActionRow, values: Values, files: MultiValueDict[str, Any] | None = None
) -> forms.BaseForm:
    """The row's form class bound to the submission (``ImportError`` if the class is gone)."""
    return formclass.build(row.form_class, row.uuid, row.initial, values, files)


def files_fit(form: forms.BaseForm) -> bool:
    """Refuse each uploaded file over ``MAX_UPLOAD_BYTES`` with an error beside its field.

    Called after ``is_valid()``; a form with an oversized file is invalid, so
    nothing of it is stored.
    """
    limit = chat_settings.MAX_UPLOAD_BYTES
    fit = True
    for name, upload in _uploads(form):
        if upload.size is not None and upload.size > limit:
            form.add_error(
                name if name in form.fields else None,
                _("%(file)s is %(size)d bytes; the largest file allowed is %(limit)d.")
                % {"file": upload.name, "size": upload.size, "limit": limit},
            )
            fit = False
    return fit


def _uploads(form: forms.BaseForm) -> list[tuple[str, UploadedFile[Any]]]:
    """Each file field's upload (the last one, as the form itself reads it)."""
    return [(name, cast("UploadedFile[Any]", form.files.get(name))) for name in form.files]


def store(row: ActionRow, form: forms.BaseForm) -> dict[str, str]:
    """Save a valid form's uploads through Django's storage: each field's stored name.

    All or none: if one cannot be saved, those saved already are deleted
    before the error goes on, so nothing is half saved.
    """
    stored: dict[str, str] = {}
    try:
        for name, upload in _uploads(form):
            stored[name] = default_storage.save(f"chatactions/{row.uuid}/{upload.name}", upload)
    except Exception:
        discard(stored)
        raise
    return stored


def discard(stored: dict[str, str]) -> None:
    """Delete uploads of a submission that will not run (lost its claim, failed to save)."""
    for name in stored.values():
        default_storage.delete(name)


@contextmanager
def reopened(stored: Mapping[str, str]) -> Iterator[MultiValueDict[str, Any]]:
    """Stored uploads opened again, as a form's ``files``: what another process validates.

    Each file keeps the name it was uploaded with (not its storage path), so the
    form class sees the same name and size it saw when the upload arrived.
    """
    opened = {name: default_storage.open(path) for name, path in stored.items()}
    try:
        yield MultiValueDict(
            {
                name: [File(file, name=posixpath.basename(stored[name]))]
                for name, file in opened.items()
            }
        )
    finally:
        for file in opened.values():
            file.close()


def errors(form: forms.BaseForm) -> dict[str, list[str]]:
    """Django's own messages by field name (``__all__``: the form's), as the ack carries them."""
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


def draw(row: ActionRow, form: forms.BaseForm, csrf_input: str = "") -> str:
    """The form of ``row`` as the page draws it: ``form`` bound (errors, values) or unbound."""
    return render_to_string(rendering.FORM_TEMPLATE, rendering.form_context(row, form, csrf_input))


def audit(values: Values | None, files: Iterable[str] = ()) -> dict[str, Any]:
    """What the audit row keeps of a submission: its field names; values only if asked to.

    A file field's name is kept like any other; its file never is (nor its name).
    """
    if values is None:
        return {}
    kept: dict[str, Any] = {"fields": sorted({*values, *files})}
    if chat_settings.AUDIT_FORM_VALUES:
        kept["values"] = values
    return kept
