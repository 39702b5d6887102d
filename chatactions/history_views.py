"""The history pages: the requester's conversations of one app, renamed and deleted.

Plain forms, so they work without JavaScript; ownership is checked as for
every other door (a foreign id is a 404 that writes nothing), and the work is
``history``'s, shared with the HTTP API.
"""

from __future__ import annotations

import uuid

from django.contrib import messages as flash
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views import View
from django.views.decorators.http import require_POST

from . import history, owners
from .csp import strict_policy
from .models import Conversation
from .owners import Requester
from .registry import get_registry
from .titles import TitleError
from .views import owned, requester_of


@method_decorator(strict_policy, name="dispatch")
class HistoryView(View):
    """The requester's conversations of one chat app, newest activity first, a page at a time.

    Route one per app, as for ``StartChatView``: ``HistoryView.as_view(app="support")``;
    ``template_name`` and ``paginate_by`` are overridable the same way.
    """

    app = "default"
    template_name = "chatactions/history.html"
    paginate_by = 20
    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        """List what the requester may come back to; reading writes nothing, not even a session."""
        get_registry(self.app)
        if owners.login_required(request.user):
            return redirect_to_login(request.get_full_path())
        requester = requester_of(request)
        rows = Conversation.objects.none()
        if requester is not None:
            rows = history.with_preview(history.owned(requester, self.app))
        page = Paginator(rows, self.paginate_by).get_page(request.GET.get("page"))
        for conversation in page:
            conversation.display_title = history.display_title(conversation)  # type: ignore[attr-defined]
        return render(request, self.template_name, {"page": page, "app": self.app})


@require_POST
def rename(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    """The history's rename form; a foreign or missing id is a 404 that writes nothing."""
    requester, _ = _owned_for_form(request, conversation_id)
    try:
        history.rename(requester, conversation_id, request.POST.get("title", ""))
    except TitleError as exc:
        flash.add_message(request, flash.WARNING, str(exc), fail_silently=True)
    return _back_to_history(request)


@require_POST
def delete(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    """The history's delete button: soft, so the audit trail keeps every row."""
    requester, _ = _owned_for_form(request, conversation_id)
    history.delete(requester, conversation_id)
    flash.add_message(request, flash.INFO, gettext("Conversation deleted."), fail_silently=True)
    return _back_to_history(request)


def _owned_for_form(
    request: HttpRequest, conversation_id: uuid.UUID
) -> tuple[Requester, Conversation]:
    if owners.login_required(request.user):
        raise Http404(gettext("No such conversation."))
    return owned(request, conversation_id)


def _back_to_history(request: HttpRequest) -> HttpResponse:
    """Back to the history page the form was on (its ``next``), if it is this site's."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("chatactions:history")
    return HttpResponseRedirect(target)
