"""What the endpoints' OpenAPI descriptions are made of, said once.

The tag and path ids (``endpoint``), the errors every read or write may answer,
and the answer of each dispatch outcome with its example (``outcomes``):
``schema`` then says of each endpoint only what is its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)

from .examples import BASE, CONVERSATION, QUESTION
from .serializers import ErrorSerializer, SubmitOutcomeSerializer

F = TypeVar("F", bound=Callable[..., Any])

TAGS = ["chat"]


def _path(*names: str) -> list[OpenApiParameter]:
    return [
        OpenApiParameter(name, OpenApiTypes.UUID, OpenApiParameter.PATH, description=why)
        for name, why in (
            ("conversation_id", "The conversation's id."),
            ("action_id", "The button's id, from a message's `actions`."),
            ("form_id", "The form's id: the message's action of `kind` `form`."),
        )
        if name in names
    ]


def error(description: str) -> OpenApiResponse:
    """An answer with DRF's error body: what each refusal before the view says."""
    return OpenApiResponse(ErrorSerializer, description=description)


READ_ERRORS: dict[int, Any] = {
    403: error("Not allowed to chat (not logged in while `ALLOW_ANONYMOUS` is off)."),
    404: error("No such conversation, or it is not yours: the two look the same on purpose."),
    429: error(
        "Over `RATE_LIMIT` requests in `RATE_LIMIT_PERIOD` seconds; `Retry-After` says when."
    ),
}
WRITE_ERRORS: dict[int, Any] = {
    **READ_ERRORS,
    400: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description="Malformed body: the field names map to lists of problems.",
        examples=[
            OpenApiExample(
                "Too long",
                {"content": ["Ensure this field has no more than 4000 characters."]},
                status_codes=[400],
            )
        ],
    ),
    403: error(
        "CSRF check failed (a session-authenticated write needs the `X-CSRFToken` header), "
        "or not allowed to chat."
    ),
    413: error("The body is larger than `MAX_FRAME_BYTES`."),
    415: error("The body is not `application/json`."),
}

#: The example ``detail`` of each outcome's status, as the doors answer it.
DETAILS = {
    "ok": "",
    "not_found": "No such action.",
    "busy": "This action is already running.",
    "error": "Something went wrong.",
}
CODES = {"ok": 200, "not_found": 404, "busy": 409, "gone": 410, "error": 500}
RAISED = "`detail` is generic unless `DEBUG`."


def _outcome(status: str, detail: str | None = None) -> OpenApiExample:
    code = CODES[status]
    replies = None if code == 404 else f"{BASE}/{CONVERSATION}/messages/?after={QUESTION}"
    detail = DETAILS[status] if detail is None else detail
    return OpenApiExample(
        status,
        {"status": status, "detail": detail, "notice": "", "replies": replies},
        status_codes=[code],
        response_only=True,
    )


def outcomes(serializer: Any, gone_detail: str = "", **described: str) -> dict[int, Any]:
    """Each outcome ``described`` (by status) as an answer with its example.

    ``gone_detail`` is the ``detail`` of ``gone``, which names the thing gone. A
    submission's example adds ``errors`` (``None``: valid or not validated).
    """
    extra = {"errors": None} if serializer is SubmitOutcomeSerializer else {}
    responses = {}
    for status, description in described.items():
        example = _outcome(status, gone_detail if status == "gone" else None)
        example.value = {**example.value, **extra}
        responses[CODES[status]] = OpenApiResponse(
            serializer, description=description, examples=[example]
        )
    return responses


def without(errors: dict[int, Any], *codes: int) -> dict[int, Any]:
    """``errors`` but those an endpoint cannot answer, or answers its own way."""
    return {code: response for code, response in errors.items() if code not in codes}


def endpoint(
    operation_id: str, summary: str, *, path: tuple[str, ...] = ("conversation_id",), **rest: Any
) -> Callable[[F], F]:
    """One endpoint's ``extend_schema``: its tag and path ids given, the rest its own."""
    parameters = [*_path(*path), *rest.pop("parameters", [])]
    if parameters:
        rest["parameters"] = parameters
    return extend_schema(operation_id=operation_id, tags=TAGS, summary=summary, **rest)


def example(name: str, value: Any, code: int = 200) -> OpenApiExample:
    """An example answer (for ``code``: the schema names a code only when not 200)."""
    if code == 200:
        return OpenApiExample(name, value, response_only=True)
    return OpenApiExample(name, value, response_only=True, status_codes=[code])
