"""The JSON Schema form generator: the common types become Django fields; the rest is refused."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms

from chatactions import schemaform
from chatactions.approvalforms import SCHEMA_KEY, EditForm

SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Resize",
    "properties": {
        "name": {"type": "string", "description": "The file's name.", "maxLength": 10},
        "width": {"type": "integer", "minimum": 1},
        "scale": {"type": "number", "maximum": 4},
        "keep": {"type": "boolean", "title": "Keep the original"},
        "level": {"type": "integer", "enum": [1, 2, 3]},
        "note": {"type": "string"},
    },
    "required": ["name", "width"],
}


def edit(data: dict[str, str] | None, **initial: Any) -> EditForm:
    return EditForm(data, initial={SCHEMA_KEY: SCHEMA, **initial})


def test_each_type_becomes_its_django_field_in_the_schemas_order() -> None:
    form = edit(None)
    kinds = {name: type(field) for name, field in form.fields.items()}
    assert kinds == {
        "name": forms.CharField,
        "width": forms.IntegerField,
        "scale": forms.FloatField,
        "keep": forms.BooleanField,
        "level": forms.TypedChoiceField,
        "note": forms.CharField,
    }
    assert form.fields["name"].help_text == "The file's name."
    assert form.fields["keep"].label == "Keep the original"
    assert form.fields["note"].label == "Note"  # no title: the name, as Django labels a field
    assert [f.required for f in form.fields.values()] == [True, True, False, False, False, False]


def test_valid_values_become_typed_arguments_and_empty_optional_ones_are_left_out() -> None:
    form = edit({"name": "cat.png", "width": "640", "scale": "1.5", "keep": "on", "level": "2"})
    assert form.is_valid(), form.errors
    assert form.arguments() == {
        "name": "cat.png",
        "width": 640,
        "scale": 1.5,
        "keep": True,
        "level": 2,  # the enum's own value, not its text
    }


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"width": "1"}, "name", "This field is required."),
        ({"name": "x" * 11, "width": "1"}, "name", "at most 10 characters"),
        ({"name": "a", "width": "0"}, "width", "greater than or equal to 1"),
        ({"name": "a", "width": "1.5"}, "width", "Enter a whole number."),
        ({"name": "a", "width": "1", "scale": "inf"}, "scale", "Enter a number."),
        ({"name": "a", "width": "1", "scale": "5"}, "scale", "less than or equal to 4"),
        ({"name": "a", "width": "1", "level": "9"}, "level", "Select a valid choice."),
    ],
)
def test_invalid_values_are_djangos_errors(data: dict[str, str], field: str, error: str) -> None:
    form = edit(data)
    assert not form.is_valid()
    assert error in " ".join(str(e) for e in form.errors[field])


def test_the_form_is_drawn_with_the_arguments_and_without_the_schema() -> None:
    html = str(edit(None, name="cat.png", width=640, keep=True))
    assert 'value="cat.png"' in html and 'value="640"' in html and "checked" in html
    assert SCHEMA_KEY not in html and "maxLength" not in html


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        ([], "must be a JSON object"),
        ({"type": "object", "properties": {}}, "non-empty object"),
        ({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["b"]}, "names"),
        ({"type": "object", "properties": {"a": "string"}}, "must be an object"),
        ({"type": "object", "properties": {"a": {"type": "null"}}}, "'null' is not supported"),
        ({"type": "object", "properties": {"a": {"type": "string", "enum": []}}}, "non-empty"),
        ({"type": "object", "properties": {"a": {"type": "string", "enum": [1]}}}, "a string"),
        (
            {"type": "object", "properties": {"a": {"type": "integer", "enum": [1, True]}}},
            "integer",
        ),
        (
            {"type": "object", "properties": {"a": {"type": "string", "enum": ["x", "x"]}}},
            "differ",
        ),
        ({"type": "object", "properties": {"a": {"type": "boolean", "enum": [True]}}}, "enum"),
        ({"type": "object", "properties": {"a": {"type": "integer", "maxLength": 3}}}, "strings"),
        ({"type": "object", "properties": {"a": {"type": "string", "minimum": 3}}}, "numbers"),
        ({"type": "object", "properties": {"a": {"type": "string", "minLength": -1}}}, ">= 0"),
        ({"type": "object", "properties": {"a": {"anyOf": []}}}, "anyOf"),
    ],
)
def test_unsupported_schemas_are_refused_with_what_is_wrong(schema: Any, problem: str) -> None:
    with pytest.raises(schemaform.SchemaError) as excinfo:
        schemaform.check(schema)
    assert problem in str(excinfo.value)


def test_a_bool_is_no_number_and_nan_is_nothing() -> None:
    assert not schemaform.fits("integer", True)
    assert not schemaform.fits("number", float("nan"))
    assert schemaform.fits("number", 3) and schemaform.fits("boolean", False)
