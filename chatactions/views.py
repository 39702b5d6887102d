"""Pages and the no-JavaScript doors: the chat works as plain HTML forms.

With JavaScript on, ``chat.js`` takes over the same markup and speaks over the
WebSocket; without it, the message box and every button are forms that post
here, go through the same ``dispatch`` and land back on the conversation.
"""

from __future__ import annotations

import uuid
from typing import Any

from asgiref.sync import async_to_sync
from django import forms
from django.contrib import messages as flash
from django.contrib.auth.views import redirect_to_login
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.views import View
from django.views.decorators.http import require_http_methods, require_POST

from . import dispatch, history, limits, origins, owners, protocol, rendering, texts
from .context import Chat
from .csp import strict_policy
from .models import Action as ActionRow
from .models import ActionClick, Conversation
from .outcome import Outcome
from .owners import Requester
from .registry import get_registry

#: What a refused form post flashes: the notices ``chat.js`` shows for the same answers.
NOTICE_TEXT: dict[str, Promise] = {
    status: texts.REFUSED[status]
    for status in (
        protocol.BUSY,
        protocol.GONE,
        protocol.ERROR,
        protocol.INVALID,
        protocol.RATE_LIMITED,
    )
}


def requester_of(request: HttpRequest, *, create: bool = False) -> Requester | None:
    return owners.resolve(request.user, request.session, create=create)


def within_budget(requester: Requester) -> bool:
    """Spend one of the requester's budget, the one the socket and the API draw on too."""
    return limits.spend(limits.identity(requester)).allowed


def owned(request: HttpRequest, conversation_id: uuid.UUID) -> tuple[Requester, Conversation]:
    """The requester and their conversation, or 404 exactly as for a missing id."""
    requester = requester_of(request)
    if requester is None:
        raise Http404(gettext("No such conversation."))
    conversation = requester.conversation(conversation_id)
    if conversation is None:
        raise Http404(gettext("No such conversation."))
    return requester, conversation


@method_decorator(strict_policy, name="dispatch")
class StartChatView(View):
    """Start a conversation for this visitor, greet them, and go to it.

    ``app`` names the chat registry that answers; a site with several chat apps
    routes one of these per app, e.g. ``StartChatView.as_view(app="support")``.

    A GET that another site's page caused (a link, an ``<img>``, a fetch) writes
    nothing: it gets a page whose "Start a chat" button POSTs here, with the
    CSRF token, so only the visitor's own click starts a conversation.
    """

    app = "default"
    http_method_names = ["get", "post"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        """Fail loudly on a misspelt app, before anything is shown or written."""
        get_registry(self.app)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        """Open the visitor's latest conversation; start one only if they have none.

        So a reload or a second visit comes back to the same chat. Opening one
        writes nothing, so it is allowed from anywhere; starting one is not.
        """
        requester = requester_of(request)
        if requester is not None and (found := history.latest(requester, self.app)):
            return redirect("chatactions:conversation", conversation_id=found.uuid)
        if _from_another_site(request):
            return render(request, "chatactions/start.html")
        return self.start(request)

    def post(self, request: HttpRequest) -> HttpResponse:
        """ "New chat" and the start page's button: a POST, so Django's CSRF check vouches."""
        return self.start(request)

    def start(self, request: HttpRequest) -> HttpResponse:
        """The one place a page visit writes: the visitor's id, the conversation, the greeting."""
        requester = requester_of(request, create=True)
        if requester is None:
            return redirect_to_login(request.get_full_path())
        if not within_budget(requester):
            return HttpResponse(NOTICE_TEXT[protocol.RATE_LIMITED], status=429)
        conversation = async_to_sync(dispatch.start_conversation)(requester, self.app)
        return redirect("chatactions:conversation", conversation_id=conversation.uuid)


def _from_another_site(request: HttpRequest) -> bool:
    """Whether another site's page made this request, as the browser tells it.

    ``Sec-Fetch-Site`` says so for every request of a current browser; an
    ``Origin`` (sent with a fetch or a form, not a plain link) must then be the
    site's own or a trusted one. Neither header (a typed URL, an old browser,
    curl) is a direct visit.
    """
    origin = request.headers.get("Origin")
    if origin is not None:
        return not origins.same_site(request, origin)
    return request.headers.get("Sec-Fetch-Site", "none") not in ("none", "same-origin")


@strict_policy
@require_http_methods(["GET", "POST"])
def conversation(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    """The chat page; a POST is the message box without JavaScript."""
    if owners.login_required(request.user):
        # Whatever the id: a login page reveals nothing about which chats exist.
        return redirect_to_login(request.get_full_path())
    requester, conversation = owned(request, conversation_id)
    async_to_sync(dispatch.notice_lapsed)(Chat(conversation, requester))
    if request.method == "POST":
        content = request.POST.get("content", "")
        if content.strip():
            outcome = Outcome(protocol.RATE_LIMITED)
            if within_budget(requester):
                outcome = async_to_sync(dispatch.user_message)(
                    requester, conversation.uuid, content
                )
            tell(request, outcome)
        return HttpResponseRedirect(request.path)
    return chat_page(request, conversation)


def chat_page(
    request: HttpRequest,
    conversation: Conversation,
    bound: dict[uuid.UUID, forms.BaseForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The chat page, with ``bound`` forms drawn as they were submitted (with their errors)."""
    context = rendering.chat_template_context(conversation, bound=bound)
    return render(request, "chatactions/page.html", {**context, "heading_level": 1}, status=status)


@require_POST
def stop(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    """The Stop button without JavaScript (a CSRF-checked POST): the socket's ``stop``."""
    if owners.login_required(request.user):
        return to_login(conversation_id)
    requester, conversation = owned(request, conversation_id)
    tell(request, async_to_sync(dispatch.stop)(requester, conversation.uuid))
    return redirect("chatactions:conversation", conversation_id=conversation.uuid)


@require_POST
def click(request: HttpRequest, conversation_id: uuid.UUID, action_id: uuid.UUID) -> HttpResponse:
    """A button pressed without JavaScript: the same dispatch as the socket."""
    return _click(request, conversation_id, action_id)


@strict_policy
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
        return to_login(conversation_id)
    _, conversation = owned(request, conversation_id)
    action = (
        ActionRow.objects.select_related("message")
        .filter(uuid=action_id, message__conversation=conversation)
        .first()
    )
    if action is None:
        raise Http404(gettext("No such action."))
    if action.unavailable_reason() is not None:
        tell(request, Outcome(protocol.GONE))
        return redirect("chatactions:conversation", conversation_id=conversation.uuid)
    return render(
        request,
        "chatactions/confirm.html",
        {
            "conversation": conversation,
            "action": action,
            "question": action.confirm or gettext("Are you sure?"),
        },
    )


def _click(request: HttpRequest, conversation_id: uuid.UUID, action_id: uuid.UUID) -> HttpResponse:
    if owners.login_required(request.user):
        return to_login(conversation_id)
    requester = requester_of(request)
    if requester is None:
        raise Http404(gettext("No such action."))
    if not within_budget(requester):
        async_to_sync(dispatch.refuse_click)(
            requester, action_id, ActionClick.Via.FORM, protocol.RATE_LIMITED
        )
        tell(request, Outcome(protocol.RATE_LIMITED))
        return redirect("chatactions:conversation", conversation_id=conversation_id)
    outcome = async_to_sync(dispatch.click)(
        requester, conversation_id, action_id, ActionClick.Via.FORM
    )
    if outcome.status == protocol.NOT_FOUND:
        raise Http404(gettext("No such action."))
    tell(request, outcome)
    return redirect("chatactions:conversation", conversation_id=conversation_id)


def to_login(conversation_id: uuid.UUID) -> HttpResponse:
    """To the login page, then back to the chat (a click's own URL takes no GET)."""
    return redirect_to_login(reverse("chatactions:conversation", args=[conversation_id]))


def tell(request: HttpRequest, outcome: Outcome) -> None:
    """Tell a no-JavaScript user what a socket user sees as a notice."""
    text = outcome.notice or str(NOTICE_TEXT.get(outcome.status, ""))
    if text:
        level = flash.INFO if outcome.status == protocol.OK else flash.WARNING
        flash.add_message(request, level, text, fail_silently=True)
