"""The OpenAPI description of each endpoint: parameters, every answer, examples.

Kept apart from the views so a view reads as what it does; each name here is
the ``extend_schema`` decorator of one view method.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)

from .serializers import (
    ConversationSerializer,
    ErrorSerializer,
    MessagePageSerializer,
    MessageQuerySerializer,
    NewMessageSerializer,
    OutcomeSerializer,
    RenameSerializer,
    SubmitOutcomeSerializer,
    SubmitSerializer,
)

TAGS = ["chat"]
BASE = "http://127.0.0.1:8000/api/chat/conversations"
CONVERSATION = "6f1c2b9e-3d4a-4c5b-8e7f-9a0b1c2d3e4f"
GREETING = "0b7e5a1c-2f3d-4e6a-9b8c-7d6e5f4a3b2c"
QUESTION = "3c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f"
CONFIRM = "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c"
CANCEL = "8a7b6c5d-4e3f-4a2b-9c1d-0e9f8a7b6c5d"


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


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


READ_ERRORS: dict[int, Any] = {
    403: _error("Not allowed to chat (not logged in while `ALLOW_ANONYMOUS` is off)."),
    404: _error("No such conversation, or it is not yours: the two look the same on purpose."),
    429: _error(
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
    403: _error(
        "CSRF check failed (a session-authenticated write needs the `X-CSRFToken` header), "
        "or not allowed to chat."
    ),
    413: _error("The body is larger than `MAX_FRAME_BYTES`."),
    415: _error("The body is not `application/json`."),
}

ACTIONS = [
    {
        "id": id,
        "name": name,
        "label": label,
        "tooltip": "",
        "icon": "",
        "variant": variant,
        "disabled": False,
        "confirm": "",
        "expires_at": None,
    }
    for id, name, label, variant in (
        (CONFIRM, "confirm_delete", "Confirm Deletion", "primary"),
        (CANCEL, "cancel_delete", "Cancel", "primary"),
    )
]
MESSAGE_PAGE = {
    "results": [
        {
            "id": QUESTION,
            "author": "Assistant",
            "from_user": False,
            "content": "Are you sure you want to delete your data?",
            "content_html": "<p>Are you sure you want to delete your data?</p>",
            "actions": ACTIONS,
            "created_at": "2026-01-05T10:00:01.250000Z",
            "updated_at": None,
        }
    ],
    "has_more": False,
    "next": f"{BASE}/{CONVERSATION}/messages/?after={QUESTION}",
}
CONVERSATION_EXAMPLE = {
    "id": CONVERSATION,
    "url": f"{BASE}/{CONVERSATION}/",
    "app": "default",
    "title": "",
    "display_title": "delete my data",
    "created_at": "2026-01-05T10:00:00.000000Z",
    "last_activity_at": "2026-01-05T10:00:01.250000Z",
    "messages": f"{BASE}/{CONVERSATION}/messages/",
    "socket": f"/ws/chat/{CONVERSATION}/",
}


def _outcome(status: str, code: int, detail: str = "", notice: str = "") -> OpenApiExample:
    replies = None if code == 404 else f"{BASE}/{CONVERSATION}/messages/?after={QUESTION}"
    return OpenApiExample(
        status,
        {"status": status, "detail": detail, "notice": notice, "replies": replies},
        status_codes=[code],
        response_only=True,
    )


def _outcome_response(description: str, example: OpenApiExample) -> OpenApiResponse:
    return OpenApiResponse(OutcomeSerializer, description=description, examples=[example])


list_conversations = extend_schema(
    operation_id="list_conversations",
    tags=TAGS,
    summary="List your conversations",
    description="Newest activity first (the history page's order), 50 a page; follow `next` "
    "for older ones. Deleted conversations are left out. Any GET also sets the `csrftoken` "
    "cookie a cookie client needs for its writes.",
    responses={200: ConversationSerializer(many=True), **READ_ERRORS},
    examples=[OpenApiExample("A conversation", CONVERSATION_EXAMPLE, response_only=True)],
)

start_conversation = extend_schema(
    operation_id="start_conversation",
    tags=TAGS,
    summary="Start a conversation",
    description="Creates a conversation owned by you (your user, or your session when you "
    "are not logged in) and runs the bot's `on_chat_start`: read its greeting from "
    "`messages`. `Location` is the new conversation.",
    request=None,
    responses={201: ConversationSerializer, **WRITE_ERRORS},
    examples=[
        OpenApiExample("Started", CONVERSATION_EXAMPLE, response_only=True, status_codes=[201])
    ],
)

get_conversation = extend_schema(
    operation_id="get_conversation",
    tags=TAGS,
    summary="Get one conversation",
    parameters=_path("conversation_id"),
    responses={200: ConversationSerializer, **READ_ERRORS},
    examples=[OpenApiExample("A conversation", CONVERSATION_EXAMPLE, response_only=True)],
)

rename_conversation = extend_schema(
    operation_id="rename_conversation",
    tags=TAGS,
    summary="Rename a conversation",
    description="Sets the title its history shows; an empty title gives the default back "
    "(the start of your first message).",
    parameters=_path("conversation_id"),
    request=RenameSerializer,
    responses={200: ConversationSerializer, **WRITE_ERRORS},
    examples=[
        OpenApiExample("Renamed", {"title": "Deleting my data"}, request_only=True),
        OpenApiExample(
            "Renamed", {**CONVERSATION_EXAMPLE, "title": "Deleting my data"}, response_only=True
        ),
    ],
)

delete_conversation = extend_schema(
    operation_id="delete_conversation",
    tags=TAGS,
    summary="Delete a conversation",
    description="Gone for you from then on: from the list, the pages, the socket (its open "
    "sockets close with 4404) and this API. Its rows stay in the database for the audit "
    "trail.",
    parameters=_path("conversation_id"),
    request=None,
    responses={
        204: OpenApiResponse(description="Deleted."),
        **{code: response for code, response in WRITE_ERRORS.items() if code not in (400, 415)},
    },
)

list_messages = extend_schema(
    operation_id="list_messages",
    tags=TAGS,
    summary="List a conversation's messages",
    description="Oldest first, each with its live buttons (never their payload), at most "
    "`SYNC_LIMIT` at a time. Pass `after=<message id>` to get only what came after that "
    "message; `next` is always the address to poll for what comes next.",
    parameters=[*_path("conversation_id"), MessageQuerySerializer],
    responses={
        200: MessagePageSerializer,
        400: OpenApiResponse(OpenApiTypes.OBJECT, description="`after` is not a UUID."),
        **READ_ERRORS,
    },
    examples=[OpenApiExample("A question with buttons", MESSAGE_PAGE, response_only=True)],
)

post_message = extend_schema(
    operation_id="post_message",
    tags=TAGS,
    summary="Write a message",
    description="Saves the user's message, shows it on every open socket of the "
    "conversation and runs the bot's `on_message` before answering. `replies` lists what "
    "was written from your message on: your message first, then the bot's answers.",
    parameters=_path("conversation_id"),
    request=NewMessageSerializer,
    responses={
        200: _outcome_response(
            "Saved, and `on_message` ran.",
            _outcome("ok", 200),
        ),
        500: _outcome_response(
            "Saved, but `on_message` raised; `detail` is generic unless `DEBUG`.",
            _outcome("error", 500, "Something went wrong."),
        ),
        **WRITE_ERRORS,
    },
    examples=[OpenApiExample("Delete my data", {"content": "delete my data"}, request_only=True)],
)

click = extend_schema(
    operation_id="click_action",
    tags=TAGS,
    summary="Click a button",
    description="Runs the button's callback through the same dispatch as a click on the "
    "socket: at most one run at a time, recorded in the audit trail. Only the ids travel; "
    "the callback reads the payload on the server. `replies` lists what was written since "
    "just before the click.",
    parameters=_path("conversation_id", "action_id"),
    request=None,
    responses={
        200: _outcome_response(
            "The callback ran; `notice` is the string it returned, if any.",
            _outcome("ok", 200),
        ),
        404: _outcome_response(
            "No such button in a conversation of yours (missing, foreign and malformed ids "
            "all answer this).",
            _outcome("not_found", 404, "No such action."),
        ),
        409: _outcome_response(
            "The callback is already running for another click.",
            _outcome("busy", 409, "This action is already running."),
        ),
        410: _outcome_response(
            "The button was removed.",
            _outcome("gone", 410, "This button is no longer available."),
        ),
        500: _outcome_response(
            "The callback raised; `detail` is generic unless `DEBUG`.",
            _outcome("error", 500, "Something went wrong."),
        ),
        **{code: response for code, response in WRITE_ERRORS.items() if code != 404},
    },
)


#: A multipart submission: the form's fields, each a string (repeated for a multiple
#: choice) or a file.
MULTIPART_VALUES = {
    "type": "object",
    "additionalProperties": {
        "oneOf": [
            {"type": "string"},
            {"type": "string", "format": "binary"},
            {"type": "array", "items": {"type": "string"}},
        ]
    },
}


def _submit_response(description: str, example: OpenApiExample) -> OpenApiResponse:
    example.value = {**example.value, "errors": None}
    return OpenApiResponse(SubmitOutcomeSerializer, description=description, examples=[example])


submit = extend_schema(
    operation_id="submit_form",
    tags=TAGS,
    summary="Submit a form",
    description="Validates the values with the form's Django form class on the server, "
    "then runs its callback through the same dispatch as a `submit` frame on the socket: "
    "exactly once (the form is then gone), recorded in the audit trail with the field "
    "names. Invalid values run nothing and answer 400 with Django's `errors`.\n\n"
    "A form with a file field is submitted as `multipart/form-data` instead: its fields "
    "as a browser posts them (a multiple choice repeated, a ticked checkbox `on`) and "
    "its files as file parts. Each file may be `MAX_UPLOAD_BYTES` (a larger one is a 400 "
    "with the error under its field, and nothing is stored); the whole body "
    "`MAX_FRAME_BYTES` + `MAX_UPLOAD_BYTES` (413 beyond, before it is read).",
    parameters=_path("conversation_id", "form_id"),
    request={"application/json": SubmitSerializer, "multipart/form-data": MULTIPART_VALUES},
    responses={
        200: _submit_response(
            "Valid; the callback ran and the form is gone.", _outcome("ok", 200)
        ),
        400: OpenApiResponse(
            SubmitOutcomeSerializer,
            description="The values are malformed, too large, or not valid for the form.",
            examples=[
                OpenApiExample(
                    "invalid",
                    {
                        "status": "invalid",
                        "detail": "Please correct the errors in the form.",
                        "notice": "",
                        "replies": f"{BASE}/{CONVERSATION}/messages/?after={QUESTION}",
                        "errors": {"address": ["This field is required."]},
                    },
                    status_codes=[400],
                    response_only=True,
                )
            ],
        ),
        404: _submit_response(
            "No such form in a conversation of yours.",
            _outcome("not_found", 404, "No such action."),
        ),
        409: _submit_response(
            "The callback is already running for another submission.",
            _outcome("busy", 409, "This action is already running."),
        ),
        410: _submit_response(
            "The form was removed, has expired or was answered.",
            _outcome("gone", 410, "This form is no longer available."),
        ),
        500: _submit_response(
            "The callback raised; `detail` is generic unless `DEBUG`.",
            _outcome("error", 500, "Something went wrong."),
        ),
        **{code: response for code, response in WRITE_ERRORS.items() if code != 404},
        413: _error(
            "The body is larger than `MAX_FRAME_BYTES` (JSON) or `MAX_FRAME_BYTES` + "
            "`MAX_UPLOAD_BYTES` (multipart)."
        ),
        415: _error("The body is neither `application/json` nor `multipart/form-data`."),
    },
    examples=[
        OpenApiExample(
            "Ship",
            {"data": {"address": "1 Main St", "speed": "express", "extras": ["gift"]}},
            request_only=True,
        )
    ],
)


stop = extend_schema(
    operation_id="stop",
    tags=TAGS,
    summary="Stop the bot",
    description="Cancels the conversation's running handlers (`on_message`, callbacks, "
    "`on_chat_start`) on whichever server process runs them, then runs the bot's "
    "`on_stop`. A message being streamed ends with the text it has, marked `stopped`; "
    "a stopped click's audit row says `cancelled`. Answers at once: the handlers stop "
    "on their own process a moment later.",
    parameters=_path("conversation_id"),
    request=None,
    responses={
        200: _outcome_response("Stop was sent.", _outcome("ok", 200)),
        **WRITE_ERRORS,
    },
)
