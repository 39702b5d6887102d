"""Submitting a form over the HTTP API: a JSON body, or multipart with its files.

A form without files is submitted as JSON, ``{"data": {...}}``, the ``data``
of the socket's ``submit`` frame. A form with a file field is submitted as
``multipart/form-data``, its fields posted as a browser posts them (repeated
for a multiple choice) and its files as file parts, because JSON carries no
files. Either way it is the same ``dispatch.submit`` as the socket and the
page, with the same refusals.
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from rest_framework.request import Request
from rest_framework.response import Response

from .. import dispatch, formclass, protocol
from ..conf import chat_settings
from ..exceptions import FrameError
from ..formclass import Values
from ..models import ActionClick
from ..outcome import Outcome
from . import schema
from .base import answer, last_message, no_such_action, parse_uuid
from .inputs import SubmitSerializer
from .parsers import BoundedJSONParser, BoundedMultiPartParser
from .serializers import SubmitOutcomeSerializer, messages_url
from .views import ActionClickView

MULTIPART = "multipart/form-data"


class FormSubmitView(ActionClickView):
    """Submit a form by id: the same ``dispatch.submit`` as the socket.

    A click's view otherwise: a throttled submission is audited the same way.
    """

    serializer_class = SubmitOutcomeSerializer
    parser_classes = [BoundedJSONParser, BoundedMultiPartParser]
    id_kwarg = "form_id"

    def body_limit(self, request: Request) -> int:
        """A multipart body may carry files too: ``MAX_UPLOAD_BYTES`` more, all files together."""
        limit = super().body_limit(request)
        if is_multipart(request):
            limit += int(chat_settings.MAX_UPLOAD_BYTES)
        return limit

    @schema.submit
    def post(self, request: Request, conversation_id: str, form_id: str) -> Response:
        """Values checked for shape here, for validity by the form class in ``dispatch``."""
        requester = self.requester()
        conversation_key, form_key = parse_uuid(conversation_id), parse_uuid(form_id)
        if requester is None or conversation_key is None or form_key is None:
            return answer(no_such_action(), None, SubmitOutcomeSerializer)
        files = None
        if is_multipart(request):
            values: Values = formclass.from_querydict(request.POST, skip=("csrfmiddlewaretoken",))
            files = request.FILES
            try:
                protocol.check_size(values)
            except FrameError as exc:
                return answer(Outcome(protocol.INVALID, exc.detail), None, SubmitOutcomeSerializer)
        else:
            body = SubmitSerializer(data=request.data)
            if not body.is_valid():  # answered as the socket answers it, not in DRF's shape
                detail = " ".join(str(e) for errors in body.errors.values() for e in errors)
                return answer(Outcome(protocol.INVALID, detail), None, SubmitOutcomeSerializer)
            values = body.validated_data["data"]
        before = last_message(conversation_key, requester)
        outcome = async_to_sync(dispatch.submit)(
            requester, conversation_key, form_key, values, ActionClick.Via.API, files
        )
        replies = messages_url(request, conversation_key, before)
        return answer(outcome, replies, SubmitOutcomeSerializer)


def is_multipart(request: Request) -> bool:
    """Whether the body is a multipart form (by its declared type, before it is parsed)."""
    return str(request.content_type).lower().startswith(MULTIPART)
