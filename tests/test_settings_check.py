"""A ``CHATACTIONS`` key chatactions does not know is a system check error, with the fix."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from chatactions.conf import chat_settings


def settings_errors() -> list[Any]:
    return [
        m
        for m in run_checks(tags=["chatactions"])
        if m.id in {"chatactions.E005", "chatactions.E006"}
    ]


@override_settings(CHATACTIONS={"MAX_PAYLOD_BYTES": 100, "RATE_LIMIT": 5})
def test_a_misspelt_key_is_an_error_naming_it_and_the_closest_known_one() -> None:
    (error,) = settings_errors()
    assert error.id == "chatactions.E005"
    assert (
        error.msg
        == "CHATACTIONS has an unknown key 'MAX_PAYLOD_BYTES'; chatactions would ignore it."
    )
    assert error.hint == "Did you mean 'MAX_PAYLOAD_BYTES'? (docs/settings.md)"
    assert chat_settings.MAX_PAYLOAD_BYTES == 8 * 1024  # what the typo would have left in force


@override_settings(CHATACTIONS={"COLOUR": "blue"})
def test_a_key_like_none_lists_the_known_ones() -> None:
    (error,) = settings_errors()
    assert "'COLOUR'" in error.msg
    assert error.hint.startswith("The known keys are ALLOW_ANONYMOUS, DEFAULT_AUTHOR,")


@override_settings(CHATACTIONS=["RATE_LIMIT"])
def test_a_chatactions_that_is_not_a_dict_is_an_error() -> None:
    (error,) = settings_errors()
    assert error.id == "chatactions.E006"
    assert "must be a dict, not list" in error.msg


@override_settings(CHATACTIONS={"RATE_LIMIT": 0, "SYNC_LIMIT": 10})
def test_known_keys_are_silent() -> None:
    assert settings_errors() == []


@override_settings(CHATACTIONS={"SYNC_LIMT": 10})
def test_manage_py_check_stops_on_it() -> None:
    with pytest.raises(
        SystemCheckError, match=r"(?s)chatactions\.E005.*Did you mean 'SYNC_LIMIT'"
    ):
        call_command("check", tags=["chatactions"])


@pytest.mark.parametrize(
    "streams",
    [
        {"STREAM_LEASE": 1.0},
        {"STREAM_LEASE": 2.0, "STREAM_SAVE_INTERVAL": 3.0},
        {"STREAM_LEASE": "x"},
    ],
)
def test_a_stream_lease_not_above_the_save_interval_is_an_error(streams: dict[str, Any]) -> None:
    with override_settings(CHATACTIONS=streams):
        (error,) = [m for m in run_checks(tags=["chatactions"]) if m.id == "chatactions.E008"]
    assert "STREAM_LEASE" in error.msg and "interrupted" in error.msg


def test_the_default_stream_lease_is_fine() -> None:
    with override_settings(CHATACTIONS={"STREAM_LEASE": 3.0, "STREAM_SAVE_INTERVAL": 0.5}):
        assert not [m for m in run_checks(tags=["chatactions"]) if m.id == "chatactions.E008"]
