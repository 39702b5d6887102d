"""The registry: decorators, duplicate names, bad callbacks, autodiscovery."""

from __future__ import annotations

from types import MethodType
from typing import Any, cast

import pytest
from django.apps import apps

import chatactions as ca
from chatactions.exceptions import AlreadyRegistered, InvalidCallback, NotRegistered
from chatactions.registry import ChatRegistry, get_registry


def test_decorator_registers_and_returns_the_function_unchanged() -> None:
    reg = ChatRegistry("t1")

    async def confirm(action: ca.Action) -> None:
        return None

    assert reg.action_callback("confirm")(confirm) is confirm
    assert reg.get_action_callback("confirm").func is confirm
    assert reg.action_names() == ["confirm"]


def test_second_registration_of_a_name_names_both_places() -> None:
    reg = ChatRegistry("t2")

    @reg.action_callback("confirm")
    async def first(action: ca.Action) -> None:
        return None

    async def second(action: ca.Action) -> None:
        return None

    with pytest.raises(AlreadyRegistered) as excinfo:
        reg.action_callback("confirm")(second)
    message = str(excinfo.value)
    assert "test_registry" in message
    assert "first" in message and "second" in message
    assert __file__ in message  # file and line of both definitions


def test_second_on_message_handler_is_refused() -> None:
    reg = ChatRegistry("t3")
    reg.on_message(lambda message: None)
    with pytest.raises(AlreadyRegistered, match="on_message"):
        reg.on_message(lambda message: None)


def test_chat_start_handler_is_kept_apart_from_message_handler() -> None:
    reg = ChatRegistry("t4")

    def start() -> None:
        return None

    def reply(message: ca.Message) -> None:
        return None

    reg.on_chat_start(start)
    reg.on_message(reply)
    started, replying = reg.get_hook("on_chat_start"), reg.get_hook("on_message")
    assert started is not None and replying is not None
    assert started.func is start
    assert replying.func is reply


@pytest.mark.parametrize("name", ["", "   ", None, 3])
def test_empty_or_non_string_name_is_refused_at_import_time(name: Any) -> None:
    with pytest.raises(InvalidCallback, match="non-empty action name"):
        ChatRegistry("t5").action_callback(name)


def test_not_callable_is_refused() -> None:
    with pytest.raises(InvalidCallback, match="must be a function"):
        ChatRegistry("t6").action_callback("x")(cast(Any, "not a function"))


def test_two_required_parameters_are_refused() -> None:
    def two(action: ca.Action, extra: object) -> None:
        return None

    with pytest.raises(InvalidCallback, match="at most one argument"):
        ChatRegistry("t7").action_callback("x")(two)


def test_required_keyword_only_parameter_is_refused() -> None:
    def kw(action: ca.Action, *, must: object) -> None:
        return None

    with pytest.raises(InvalidCallback, match="at most one argument"):
        ChatRegistry("t8").on_message(kw)


def test_zero_parameters_and_defaults_are_accepted() -> None:
    reg = ChatRegistry("t9")
    reg.action_callback("none")(lambda: None)
    reg.action_callback("defaults")(lambda action, extra=1: None)
    assert not reg.get_action_callback("none").wants_argument
    assert reg.get_action_callback("defaults").wants_argument


def test_unregister_then_lookup_fails() -> None:
    reg = ChatRegistry("t10")
    reg.action_callback("x")(lambda: None)
    reg.unregister("x")
    with pytest.raises(NotRegistered, match="'x'"):
        reg.get_action_callback("x")
    with pytest.raises(NotRegistered):
        reg.unregister("x")


def test_where_falls_back_to_the_name_without_source() -> None:
    reg = ChatRegistry("t11")
    func = eval("lambda: None")  # no source file to point at
    reg.action_callback("x")(func)
    assert reg.get_action_callback("x").where == f"{__name__}.<lambda>"


def test_autodiscovery_found_the_demo_bots_actions_py() -> None:
    assert apps.get_app_config("chatactions").__class__.__name__ == "ChatActionsConfig"
    assert {"confirm_delete", "cancel_delete"} <= set(ca.default_registry.action_names())
    on_message = ca.default_registry.get_hook("on_message")
    assert on_message is not None
    assert on_message.func.__module__ == "project.bot.actions"
    assert ca.default_registry.get_hook("on_chat_start") is not None


def test_module_level_decorators_use_the_default_registry() -> None:
    assert isinstance(ca.action_callback, MethodType)
    assert ca.action_callback.__self__ is ca.default_registry
    assert get_registry() is ca.default_registry
    with pytest.raises(NotRegistered, match="No chat registry named 'nope'"):
        get_registry("nope")


def test_unknown_attribute_of_the_package_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        ca.Nope  # noqa: B018


def test_repr_names_the_registry() -> None:
    assert "'t12'" in repr(ChatRegistry("t12"))
