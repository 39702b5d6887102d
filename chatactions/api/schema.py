"""The OpenAPI description of each endpoint: parameters, every answer, examples.

Kept apart from the views so a view reads as what it does; each name here is
the ``extend_schema`` decorator of one view method. What endpoints share (the
tag, the path ids, the error answers, the example of each outcome) is said
once, in ``openapi``, so each decorator here says only what is its own.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from .examples import BASE as BASE  # the views' pagination example starts with it
from .examples import CONVERSATION, CONVERSATION_EXAMPLE, MESSAGE_PAGE, QUESTION
from .inputs import (
    MessageQuerySerializer,
    NewMessageSerializer,
    RenameSerializer,
    SubmitSerializer,
)
from .openapi import (
    RAISED,
    READ_ERRORS,
    WRITE_ERRORS,
    endpoint,
    error,
    example,
    outcomes,
    without,
)
from .serializers import (
    ConversationSerializer,
    MessagePageSerializer,
    OutcomeSerializer,
    SubmitOutcomeSerializer,
)

list_conversations = endpoint(
    "list_conversations",
    "List your conversations",
    path=(),
    description="Newest activity first (the history page's order), 50 a page; follow `next` "
    "for older ones. Deleted conversations are left out. Any GET also sets the `csrftoken` "
    "cookie a cookie client needs for its writes.",
    responses={200: ConversationSerializer(many=True), **READ_ERRORS},
    examples=[example("A conversation", CONVERSATION_EXAMPLE)],
)

start_conversation = endpoint(
    "start_conversation",
    "Start a conversation",
    path=(),
    description="Creates a conversation owned by you (your user, or your session when you "
    "are not logged in) and runs the bot's `on_chat_start`: read its greeting from "
    "`messages`. `Location` is the new conversation.",
    request=None,
    responses={201: ConversationSerializer, **WRITE_ERRORS},
    examples=[example("Started", CONVERSATION_EXAMPLE, 201)],
)

get_conversation = endpoint(
    "get_conversation",
    "Get one conversation",
    responses={200: ConversationSerializer, **READ_ERRORS},
    examples=[example("A conversation", CONVERSATION_EXAMPLE)],
)

rename_conversation = endpoint(
    "rename_conversation",
    "Rename a conversation",
    description="Sets the title its history shows; an empty title gives the default back "
    "(the start of your first message).",
    request=RenameSerializer,
    responses={200: ConversationSerializer, **WRITE_ERRORS},
    examples=[
        OpenApiExample("Renamed", {"title": "Deleting my data"}, request_only=True),
        example("Renamed", {**CONVERSATION_EXAMPLE, "title": "Deleting my data"}),
    ],
)

delete_conversation = endpoint(
    "delete_conversation",
    "Delete a conversation",
    description="Gone for you from then on: from the list, the pages, the socket (its open "
    "sockets close with 4404) and this API. Its rows stay in the database for the audit "
    "trail.",
    request=None,
    responses={
        204: OpenApiResponse(description="Deleted."),
        **without(WRITE_ERRORS, 400, 415),
    },
)

list_messages = endpoint(
    "list_messages",
    "List a conversation's messages",
    description="Oldest first, each with its live buttons (never their payload), at most "
    "`SYNC_LIMIT` at a time. Pass `after=<message id>` to get only what came after that "
    "message; `next` is always the address to poll for what comes next.",
    parameters=[MessageQuerySerializer],
    responses={
        200: MessagePageSerializer,
        400: OpenApiResponse(OpenApiTypes.OBJECT, description="`after` is not a UUID."),
        **READ_ERRORS,
    },
    examples=[example("A question with buttons", MESSAGE_PAGE)],
)

post_message = endpoint(
    "post_message",
    "Write a message",
    description="Saves the user's message, shows it on every open socket of the "
    "conversation and runs the bot's `on_message` before answering. `replies` lists what "
    "was written from your message on: your message first, then the bot's answers.",
    request=NewMessageSerializer,
    responses={
        **outcomes(
            OutcomeSerializer,
            ok="Saved, and `on_message` ran.",
            error=f"Saved, but `on_message` raised; {RAISED}",
        ),
        **WRITE_ERRORS,
    },
    examples=[OpenApiExample("Delete my data", {"content": "delete my data"}, request_only=True)],
)

click = endpoint(
    "click_action",
    "Click a button",
    path=("conversation_id", "action_id"),
    description="Runs the button's callback through the same dispatch as a click on the "
    "socket: at most one run at a time, recorded in the audit trail. Only the ids travel; "
    "the callback reads the payload on the server. `replies` lists what was written since "
    "just before the click.",
    request=None,
    responses={
        **outcomes(
            OutcomeSerializer,
            gone_detail="This button is no longer available.",
            ok="The callback ran; `notice` is the string it returned, if any.",
            not_found="No such button in a conversation of yours (missing, foreign and "
            "malformed ids all answer this).",
            busy="The callback is already running for another click.",
            gone="The button was removed.",
            error=f"The callback raised; {RAISED}",
        ),
        **without(WRITE_ERRORS, 404),
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

submit = endpoint(
    "submit_form",
    "Submit a form",
    path=("conversation_id", "form_id"),
    description="Validates the values with the form's Django form class on the server, "
    "then runs its callback through the same dispatch as a `submit` frame on the socket: "
    "exactly once (the form is then gone), recorded in the audit trail with the field "
    "names. Invalid values run nothing and answer 400 with Django's `errors`.\n\n"
    "A form with a file field is submitted as `multipart/form-data` instead: its fields "
    "as a browser posts them (a multiple choice repeated, a ticked checkbox `on`) and "
    "its files as file parts. Each file may be `MAX_UPLOAD_BYTES` (a larger one is a 400 "
    "with the error under its field, and nothing is stored); the whole body "
    "`MAX_FRAME_BYTES` + `MAX_UPLOAD_BYTES` (413 beyond, before it is read).",
    request={"application/json": SubmitSerializer, "multipart/form-data": MULTIPART_VALUES},
    responses={
        **outcomes(SubmitOutcomeSerializer, ok="Valid; the callback ran and the form is gone."),
        400: OpenApiResponse(
            SubmitOutcomeSerializer,
            description="The values are malformed, too large, or not valid for the form.",
            examples=[
                example(
                    "invalid",
                    {
                        "status": "invalid",
                        "detail": "Please correct the errors in the form.",
                        "notice": "",
                        "replies": f"{BASE}/{CONVERSATION}/messages/?after={QUESTION}",
                        "errors": {"address": ["This field is required."]},
                    },
                    400,
                )
            ],
        ),
        **outcomes(
            SubmitOutcomeSerializer,
            gone_detail="This form is no longer available.",
            not_found="No such form in a conversation of yours.",
            busy="The callback is already running for another submission.",
            gone="The form was removed, has expired or was answered.",
            error=f"The callback raised; {RAISED}",
        ),
        **without(WRITE_ERRORS, 404),
        413: error(
            "The body is larger than `MAX_FRAME_BYTES` (JSON) or `MAX_FRAME_BYTES` + "
            "`MAX_UPLOAD_BYTES` (multipart)."
        ),
        415: error("The body is neither `application/json` nor `multipart/form-data`."),
    },
    examples=[
        OpenApiExample(
            "Ship",
            {"data": {"address": "1 Main St", "speed": "express", "extras": ["gift"]}},
            request_only=True,
        )
    ],
)

stop = endpoint(
    "stop",
    "Stop the bot",
    description="Cancels the conversation's running handlers (`on_message`, callbacks, "
    "`on_chat_start`) on whichever server process runs them, then runs the bot's "
    "`on_stop`. A message being streamed ends with the text it has, marked `stopped`; "
    "a stopped click's audit row says `cancelled`. Answers at once: the handlers stop "
    "on their own process a moment later.",
    request=None,
    responses={**outcomes(OutcomeSerializer, ok="Stop was sent."), **WRITE_ERRORS},
)
