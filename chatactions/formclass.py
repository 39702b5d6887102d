"""A message's form class, by its dotted path: found, bound and drawn the same way everywhere.

A form row stores only the dotted path of its Django form class, so any
process (the one drawing a page, the one receiving a submission, the asker
of an ``AskFormMessage``) rebuilds the same class from it. The values of a
submission travel as ``{"field": ["value", ...]}``, the shape of a
``QueryDict``, which every door can produce and Django's widgets read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.datastructures import MultiValueDict
from django.utils.module_loading import import_string

#: A submission's values: each field's list of strings, as a ``QueryDict`` holds them.
Values = dict[str, list[str]]


def dotted(form_class: type[forms.BaseForm]) -> str:
    """The path another process imports ``form_class`` by; ``ValueError`` if there is none.

    A class defined in a function, or replaced in its module, cannot be
    rebuilt elsewhere: refuse it when the form is sent, not when it is answered.
    """
    if not isinstance(form_class, type) or not issubclass(form_class, forms.BaseForm):
        raise ValueError(f"form_class must be a Django form class, not {form_class!r}.")
    path = f"{form_class.__module__}.{form_class.__qualname__}"
    try:
        found = import_string(path)
    except ImportError:
        found = None
    if found is not form_class:
        raise ValueError(
            f"form_class {form_class.__qualname__} cannot be imported as {path!r}: "
            "define it at the top level of a module, so every process can rebuild it."
        )
    return path


def load(path: str) -> type[forms.BaseForm]:
    """The form class of a form row (``ImportError`` if the site no longer has it)."""
    found = import_string(path)
    if not isinstance(found, type) or not issubclass(found, forms.BaseForm):
        raise ImportError(f"{path!r} is not a Django form class.")
    return found


def auto_id(form_id: object) -> str:
    """Field ids unique on a page of many forms, so every label finds its input."""
    return f"ca-{form_id}-%s"


def build(
    path: str,
    form_id: object,
    initial: Mapping[str, Any] | None = None,
    values: Values | None = None,
    files: MultiValueDict[str, Any] | None = None,
) -> forms.BaseForm:
    """The form of a row: bound to ``values`` (and ``files``) if given, else with ``initial``."""
    form_class = load(path)
    if values is None and files is None:
        return form_class(initial=dict(initial or {}), auto_id=auto_id(form_id))
    return form_class(
        MultiValueDict(values or {}),
        files,
        initial=dict(initial or {}),
        auto_id=auto_id(form_id),
    )


def values_from(data: Mapping[str, Any]) -> Values | None:
    """A ``submit`` frame's or JSON body's ``data`` as values; ``None`` if malformed.

    A value is a string, a list of strings (a multiple choice) or a boolean (a
    checkbox: ``true`` is sent as a ticked box is, ``false`` as no value).
    """
    values: Values = {}
    for name, value in data.items():
        if not isinstance(name, str):
            return None
        if isinstance(value, bool):
            if value:
                values[name] = ["on"]
        elif isinstance(value, str):
            values[name] = [value]
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            values[name] = list(value)
        else:
            return None
    return values


def from_querydict(data: MultiValueDict[str, Any], skip: tuple[str, ...] = ()) -> Values:
    """A posted form's values (the no-JavaScript door), without the CSRF token."""
    return {name: data.getlist(name) for name in data if name not in skip}


def size(values: Values) -> int:
    """Bytes of the values' UTF-8 JSON: what ``MAX_FORM_BYTES`` counts, whatever the door."""
    return len(json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode())
