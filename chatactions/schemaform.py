"""A Django form from a tool's JSON Schema: the common types, and a clear refusal of the rest.

An agent framework describes a tool's arguments with JSON Schema; the owner
edits them in a form the server validates. Only what maps plainly onto
Django fields is supported (an object of ``string``, ``integer``,
``number`` and ``boolean`` properties, ``enum``, ``required``, lengths and
bounds); anything else is refused when the approval is sent, not when the
owner tries to edit, so an unsupported schema never reaches a page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from django import forms
from django.forms.utils import pretty_name

#: The keywords understood at the top of a schema and on each property.
TOP_KEYWORDS = {"type", "properties", "required", "title", "description", "additionalProperties"}
PROPERTY_KEYWORDS = {
    "type",
    "title",
    "description",
    "default",
    "enum",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
}
TYPES = ("string", "integer", "number", "boolean")
_PYTHON: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


class SchemaError(ValueError):
    """A JSON Schema this generator does not support, or arguments that do not fit it."""


def check(schema: Any) -> None:
    """Raise ``SchemaError`` naming the first thing of ``schema`` that cannot become a form."""
    if not isinstance(schema, Mapping):
        raise SchemaError("the schema must be a JSON object.")
    if schema.get("type") != "object":
        raise SchemaError('the schema must have "type": "object".')
    if unknown := sorted(set(schema) - TOP_KEYWORDS):
        raise SchemaError(f"unsupported keyword(s) {', '.join(unknown)} at the top.")
    if schema.get("additionalProperties", False) is not False:
        raise SchemaError('only "additionalProperties": false is supported.')
    properties = schema.get("properties", {})
    if not isinstance(properties, Mapping) or not properties:
        raise SchemaError('"properties" must be a non-empty object.')
    required = schema.get("required", [])
    if not isinstance(required, list) or any(name not in properties for name in required):
        raise SchemaError('"required" must list names of "properties".')
    for name, spec in properties.items():
        _check_property(str(name), spec)


def _check_property(name: str, spec: Any) -> None:
    if not isinstance(spec, Mapping):
        raise SchemaError(f"property {name!r} must be an object.")
    if unknown := sorted(set(spec) - PROPERTY_KEYWORDS):
        raise SchemaError(f"property {name!r}: unsupported keyword(s) {', '.join(unknown)}.")
    kind = spec.get("type")
    if kind not in TYPES:
        raise SchemaError(
            f"property {name!r}: type {kind!r} is not supported (only {', '.join(TYPES)})."
        )
    if "enum" in spec:
        enum = spec["enum"]
        if not isinstance(enum, list) or not enum or kind == "boolean":
            raise SchemaError(f"property {name!r}: enum must be a non-empty list of values.")
        if any(not fits(kind, value) for value in enum):
            raise SchemaError(f"property {name!r}: every enum value must be a {kind}.")
        if len({str(value) for value in enum}) != len(enum):
            raise SchemaError(f"property {name!r}: enum values must differ as text.")
    for key in ("minLength", "maxLength"):
        if key in spec and (kind != "string" or not _natural(spec[key])):
            raise SchemaError(f"property {name!r}: {key} is for strings, a whole number >= 0.")
    for key in ("minimum", "maximum"):
        if key in spec and (kind not in ("integer", "number") or not fits("number", spec[key])):
            raise SchemaError(f"property {name!r}: {key} is for numbers, and must be one.")


def _natural(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def fits(kind: str, value: Any) -> bool:
    """Whether ``value`` is a JSON value of the schema type ``kind`` (a bool is no number)."""
    if isinstance(value, bool) and kind != "boolean":
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return isinstance(value, _PYTHON[kind])


def check_arguments(schema: Mapping[str, Any], arguments: Mapping[str, Any]) -> None:
    """Raise ``SchemaError`` unless ``arguments`` are what the form would produce.

    The Edit form is drawn with the arguments shown; if they do not fit the
    schema, approving them and editing them would be two different things.
    """
    properties = schema["properties"]
    if extra := sorted(set(arguments) - set(properties)):
        raise SchemaError(f"argument(s) {', '.join(extra)} are not in the schema.")
    for name in schema.get("required", []):
        if name not in arguments:
            raise SchemaError(f"the required argument {name!r} is missing.")
    for name, value in arguments.items():
        spec = properties[name]
        if not fits(spec["type"], value):
            raise SchemaError(f"argument {name!r} must be a {spec['type']}.")
        if "enum" in spec and value not in spec["enum"]:
            raise SchemaError(f"argument {name!r} is not one of its enum values.")


def fields_for(schema: Mapping[str, Any]) -> dict[str, forms.Field]:
    """One Django field per property, in the schema's order (``check`` it first)."""
    required = set(schema.get("required", []))
    return {
        name: _field(spec, name in required, str(spec.get("title") or pretty_name(name)))
        for name, spec in schema["properties"].items()
    }


def _field(spec: Mapping[str, Any], required: bool, label: str) -> forms.Field:
    kind = spec["type"]
    common: dict[str, Any] = {"label": label, "help_text": spec.get("description", "")}
    if "enum" in spec:
        by_text = {str(value): value for value in spec["enum"]}
        choices = [("", "---------")] if not required else []
        return forms.TypedChoiceField(
            choices=choices + [(text, text) for text in by_text],
            coerce=by_text.__getitem__,
            required=required,
            empty_value=None,
            **common,
        )
    if kind == "boolean":  # a checkbox always has a value: JSON's "required" is met
        return forms.BooleanField(required=False, **common)
    if kind == "integer":
        return forms.IntegerField(
            required=required,
            min_value=spec.get("minimum"),
            max_value=spec.get("maximum"),
            **common,
        )
    if kind == "number":
        return forms.FloatField(
            required=required,
            min_value=spec.get("minimum"),
            max_value=spec.get("maximum"),
            **common,
        )
    return forms.CharField(
        required=required,
        min_length=spec.get("minLength"),
        max_length=spec.get("maxLength"),
        strip=False,
        **common,
    )


def arguments_from(form: forms.BaseForm) -> dict[str, Any]:
    """A valid form's values as tool arguments: an optional field left empty is left out."""
    return {
        name: value
        for name, value in form.cleaned_data.items()
        if value is not None and not (value == "" and not form.fields[name].required)
    }
