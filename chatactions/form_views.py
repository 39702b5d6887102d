"""The form door over HTTP: a form posted without JavaScript, or with its files by ``chat.js``.

One view, two answers. A browser's own form post (no JavaScript) gets the
page: redirected to the conversation when done, drawn again with the form
bound (its errors, its values) when invalid. ``chat.js`` posts a form that
has a file field here too, by ``fetch`` with ``Accept: application/json``,
because files do not travel in WebSocket frames; it gets JSON shaped like the
socket's ``ack``, so the spinner, the errors and the focus behave as for a
``submit`` frame. Either way it is the same ``dispatch.submit``, and the other
tabs see the form removed through the conversation's broadcast.
"""

from __future__ import annotations

import uuid

from asgiref.sync import async_to_sync
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from . import dispatch, formclass, owners, protocol
from .csp import strict_policy
from .exceptions import FrameError
from .models import ActionClick
from .outcome import HTTP_STATUS, Outcome
from .views import chat_page, owned, requester_of, tell, to_login, within_budget


def wants_json(request: HttpRequest) -> bool:
    """``chat.js`` asks for JSON; a browser's own form post asks for HTML (and ``*/*``).

    So ``request.accepts()``, which ``*/*`` satisfies, would not tell them apart.
    """
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def as_ack(outcome: Outcome) -> JsonResponse:
    """An outcome as the socket's ``ack`` carries it (no ``ref``: the request is the match)."""
    frame = protocol.ack(
        None, outcome.status, outcome.detail, outcome.notice, outcome.errors, outcome.html
    )
    return JsonResponse(frame, status=HTTP_STATUS[outcome.status])


@require_POST
@strict_policy
def submit(request: HttpRequest, conversation_id: uuid.UUID, form_id: uuid.UUID) -> HttpResponse:
    """A form posted over HTTP (multipart with its files): the same dispatch as the socket.

    Invalid values bring the page back, status 400, with this form bound:
    the values kept and Django's errors beside their fields; asked for JSON,
    the same outcome comes as an ``ack`` with the form drawn again in ``html``.
    """
    if owners.login_required(request.user):
        return to_login(conversation_id)
    json = wants_json(request)
    requester = requester_of(request)
    if requester is None:
        if json:
            return as_ack(Outcome(protocol.NOT_FOUND, gettext("No such action.")))
        raise Http404(gettext("No such action."))
    if not within_budget(requester):  # the requester's one budget, as for a click
        async_to_sync(dispatch.refuse_click)(
            requester, form_id, ActionClick.Via.FORM, protocol.RATE_LIMITED
        )
        if json:
            return as_ack(Outcome(protocol.RATE_LIMITED))
        tell(request, Outcome(protocol.RATE_LIMITED))
        return redirect("chatactions:conversation", conversation_id=conversation_id)
    values = formclass.from_querydict(request.POST, skip=("csrfmiddlewaretoken",))
    try:
        protocol.check_size(values)
    except FrameError as exc:
        outcome = Outcome(protocol.INVALID, exc.detail)
    else:
        outcome = async_to_sync(dispatch.submit)(
            requester, conversation_id, form_id, values, ActionClick.Via.FORM, request.FILES
        )
    if json:
        return as_ack(outcome)
    if outcome.status == protocol.NOT_FOUND:
        raise Http404(gettext("No such action."))
    if outcome.form is not None:
        _, conversation = owned(request, conversation_id)
        return chat_page(request, conversation, {form_id: outcome.form}, status=400)
    tell(request, Outcome(outcome.status, notice=outcome.notice or outcome.detail))
    return redirect("chatactions:conversation", conversation_id=conversation_id)
