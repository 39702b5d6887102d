"""Pages that exist only for the browser tests."""

from __future__ import annotations

import uuid

from asgiref.sync import async_to_sync
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

import chatactions as ca
from chatactions import owners
from chatactions.models import Conversation

from .forms import ShippingWithoutPhoto


def _owned(request: HttpRequest, conversation_id: uuid.UUID) -> Conversation:
    requester = owners.resolve(request.user, request.session)
    conversation = (
        Conversation.objects.filter(requester.conversations_q(), uuid=conversation_id).first()
        if requester
        else None
    )
    if conversation is None:
        raise Http404("No such conversation.")
    return conversation


def gallery(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    """Post a message with one button of every kind, then show the conversation."""
    conversation = _owned(request, conversation_id)
    actions = [
        ca.Action("gallery_notice", "Save draft", icon="save", tooltip="Saves a draft"),
        ca.Action("gallery_slow", "Slow task", icon="hourglass", variant="secondary"),
        ca.Action("gallery_release", "Release", icon="lock-open", variant="secondary"),
        ca.Action(
            "gallery_archive",
            "Archive",
            icon="archive",
            variant="danger",
            confirm="Archive this conversation?",
        ),
        ca.Action("gallery_boom", "Break", icon="bug", variant="secondary"),
        ca.Action("gallery_locked", "Locked", icon="lock", disabled=True, variant="secondary"),
    ]
    message = ca.Message("Every kind of button:", actions=actions, conversation=conversation)
    async_to_sync(message.send)()
    return redirect("chatactions:conversation", conversation_id=conversation.uuid)


def editable(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    """Post a message whose buttons edit and then delete it."""
    conversation = _owned(request, conversation_id)
    edit = ca.Action("gallery_edit", "Edit", icon="pencil", variant="secondary")
    message = ca.Message("This message will change.", actions=[edit], conversation=conversation)
    async_to_sync(message.send)()
    return redirect("chatactions:conversation", conversation_id=conversation.uuid)


def expiring(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    """Post a message whose button expires in two seconds."""
    conversation = _owned(request, conversation_id)
    offer = ca.Action("gallery_notice", "Take the offer", ttl=2)
    message = ca.Message("This offer expires soon.", actions=[offer], conversation=conversation)
    async_to_sync(message.send)()
    return redirect("chatactions:conversation", conversation_id=conversation.uuid)


def embed(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    """The conversation embedded in a page of the site, through the template tags."""
    conversation = _owned(request, conversation_id)
    return render(request, "browser_site/embed.html", {"conversation": conversation})


def ship_by_socket(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    """Ask the demo's shipping form without its photo, answered by the demo's callback."""
    conversation = _owned(request, conversation_id)
    form = ca.Form("ship", ShippingWithoutPhoto, payload={"order": 42}, submit_label="Ship")
    message = ca.Message("Where should we ship it?", form=form, conversation=conversation)
    async_to_sync(message.send)()
    return redirect("chatactions:conversation", conversation_id=conversation.uuid)
