"""Pages and the no-JavaScript doors: the chat works as plain HTML forms.

With JavaScript on, ``chat.js`` takes over the same markup and speaks over the
WebSocket; without it, the message box and every button are forms that post
here, go through the same ``dispatch`` and land back on the conversation.
"""

from __future__ import annotations

import uuid

from asgiref.sync import async_to_sync
from django.contrib import messages as flash
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.decorators.http import require_http_methods, require_POST

from . import dispatch, owners, protocol, rendering
from .context import Chat
from .models import Action as ActionRow
from .models import ActionClick, Conversation
from .outcome import Outcome, Status
from .owners import Requester
from .registry import get_registry

NOTICE_TEXT: dict[str, str] = {
    protocol.BUSY: "That action is already running.",
    protocol.GONE: "That button is no longer available.",
    protocol.ERROR: "Something went wrong.",
    protocol.INVALID: "That could not be sent.",
    Status.CANCELLED: "Stopped.",
}


def _requester(request: HttpRequest, *, create: bool = False) -> Requester | None:
    return owners.resolve(request.user, request.session, create=create)


def _owned(request: HttpRequest, conversation_id: uuid.UUID) -> tuple[Requester, Conversation]:
    """The requester and their conversation, or 404 exactly as for a missing id."""
    requester = _requester(request)
    if requester is None:
        raise Http404("No such conversation.")
    conversation = requester.conversation(conversation_id)
    if conversation is None:
        raise Http404("No such conversation.")
    return requester, conversation


class StartChatView(View):
    """Start a conversation for this visitor, greet them, and go to it.

    ``app`` names the chat registry that answers; a site with several chat apps
    routes one of these per app, e.g. ``StartChatView.as_view(app="support")``.
    """

    app = "default"
    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        """Check the app, start a conversation, greet, and go to it."""
        get_registry(self.app)  # fail loudly on a misspelt app, before writing anything
        requester = _requester(request, create=True)
        if requester is None:
            return redirect_to_login(request.get_full_path())
        conversation = async_to_sync(dispatch.start_conversation)(requester, self.app)
        return redirect("chatactions:conversation", conversation_id=conversation.uuid)


@require_http_methods(["GET", "POST"])
def conversation(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    """The chat page; a POST is the message box without JavaScript."""
    if owners.login_required(request.user):
        # Whatever the id: a login page reveals nothing about which chats exist.
        return redirect_to_login(request.get_full_path())
    requester, conversation = _owned(request, conversation_id)
    async_to_sync(dispatch.notice_lapsed)(Chat(conversation, requester))
    if request.method == "POST":
        content = request.POST.get("content", "")
        if content.strip():
            outcome = async_to_sync(dispatch.user_message)(requester, conversation.uuid, content)
            _flash(request, outcome)
        return HttpResponseRedirect(request.path)
    context = rendering.chat_template_context(conversation)
    return render(request, "chatactions/page.html", {**context, "heading_level": 1})


@require_POST
def stop(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    """The Stop button without JavaScript (a CSRF-checked POST): the socket's ``stop``."""
    if owners.login_required(request.user):
        return _to_login(conversation_id)
    requester, conversation = _owned(request, conversation_id)
    _flash(request, async_to_sync(dispatch.stop)(requester, conversation.uuid))
    return redirect("chatactions:conversation", conversation_id=conversation.uuid)


@require_POST
def click(request: HttpRequest, conversation_id: uuid.UUID, action_id: uuid.UUID) -> HttpResponse:
    """A button pressed without JavaScript: the same dispatch as the socket."""
    return _click(request, conversation_id, action_id)


@require_http_methods(["GET", "POST"])
def confirm(
    request: HttpRequest, conversation_id: uuid.UUID, action_id: uuid.UUID
) -> HttpResponse:
    """The question of a ``confirm`` button, asked without JavaScript.

    With JavaScript a ``<dialog>`` asks instead and the click goes over the
    socket. Here GET shows the question and POST (CSRF-checked, like every
    POST) is the click, through the same dispatch as every other door.
    """
    if request.method == "POST":
        return _click(request, conversation_id, action_id)
    if owners.login_required(request.user):
        return _to_login(conversation_id)
    _, conversation = _owned(request, conversation_id)
    action = (
        ActionRow.objects.select_related("message")
        .filter(uuid=action_id, message__conversation=conversation)
        .first()
    )
    if action is None:
        raise Http404("No such action.")
    if action.unavailable_reason() is not None:
        _flash(request, Outcome(protocol.GONE))
        return redirect("chatactions:conversation", conversation_id=conversation.uuid)
    return render(
        request,
        "chatactions/confirm.html",
        {
            "conversation": conversation,
            "action": action,
            "question": action.confirm or "Are you sure?",
        },
    )


def _click(request: HttpRequest, conversation_id: uuid.UUID, action_id: uuid.UUID) -> HttpResponse:
    if owners.login_required(request.user):
        return _to_login(conversation_id)
    requester = _requester(request)
    if requester is None:
        raise Http404("No such action.")
    outcome = async_to_sync(dispatch.click)(
        requester, conversation_id, action_id, ActionClick.Via.FORM
    )
    if outcome.status == protocol.NOT_FOUND:
        raise Http404("No such action.")
    _flash(request, outcome)
    return redirect("chatactions:conversation", conversation_id=conversation_id)


def _to_login(conversation_id: uuid.UUID) -> HttpResponse:
    """To the login page, then back to the chat (a click's own URL takes no GET)."""
    return redirect_to_login(reverse("chatactions:conversation", args=[conversation_id]))


def _flash(request: HttpRequest, outcome: Outcome) -> None:
    """Tell a no-JavaScript user what a socket user sees as a notice."""
    text = outcome.notice or NOTICE_TEXT.get(outcome.status, "")
    if text:
        level = flash.INFO if outcome.status == protocol.OK else flash.WARNING
        flash.add_message(request, level, text, fail_silently=True)
