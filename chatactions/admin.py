from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model

from .markdown import render_markdown
from .models import Action, ActionClick, Approval, Conversation, Message


class MessageInline(admin.TabularInline):
    """A conversation's messages, read-only: the admin shows history, it does not rewrite it."""

    model = Message
    fields = ["author", "from_user", "content", "created_at"]
    readonly_fields = ["author", "from_user", "content", "created_at"]
    extra = 0
    can_delete = False
    show_change_link = True


class ActionInline(admin.TabularInline):
    """A message's buttons and form, where a stuck one can be removed by hand."""

    model = Action
    fields = ["kind", "name", "label", "payload", "form_class", "removed_at", "claimed_until"]
    readonly_fields = ["kind", "form_class", "claimed_until"]
    extra = 0


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    """Find a conversation by its uuid, title or user, and read it."""

    list_display = ["uuid", "title", "app", "user", "visitor", "last_activity_at", "deleted_at"]
    list_filter = ["app", "created_at", ("deleted_at", admin.EmptyFieldListFilter)]
    # The user model's own login field: sites with a custom user model have no "username".
    search_fields = ["uuid", "title", f"user__{get_user_model().USERNAME_FIELD}"]
    readonly_fields = ["uuid", "created_at", "last_activity_at"]
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Messages with their buttons; editing content re-renders its HTML."""

    list_display = ["uuid", "conversation", "author", "from_user", "created_at"]
    list_select_related = ["conversation"]
    list_filter = ["from_user", "created_at"]
    readonly_fields = ["uuid", "conversation", "created_at"]
    inlines = [ActionInline]

    def save_model(self, request: Any, obj: Message, form: Any, change: bool) -> None:
        """Keep the stored HTML in step with content edited here."""
        obj.content_html = render_markdown(obj.content)
        super().save_model(request, obj, form, change)


# A click's page shows these, none editable, and its duration readably instead of duration_ms.
AUDIT_FIELDS = (
    "created_at",
    "action",
    "outcome",
    "via",
    "user",
    "visitor",
    "duration",
    "error",
    "fields",
    "values",
)


class AuditTrailAdmin(admin.ModelAdmin):
    """An audit row, read-only: chatactions writes it, nobody edits it here.

    No invented clicks or decisions, none rewritten, none erased alone:
    ``manage.py chatactions prune`` deletes them with their conversations.
    """

    def has_add_permission(self, request: object) -> bool:
        """Only the doors write audit rows."""
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        """What happened stays as it was recorded."""
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        """Deleted with its conversation (``prune``), never alone."""
        return False


@admin.register(ActionClick)
class ActionClickAdmin(AuditTrailAdmin):
    """The audit trail: read-only, so nobody edits history."""

    list_display = [
        "created_at",
        "action",
        "outcome",
        "via",
        "user",
        "visitor",
        "duration",
        "fields",
    ]
    list_filter = ["outcome", "via", "action__kind", "created_at"]
    list_select_related = ["action", "user"]
    fields = readonly_fields = AUDIT_FIELDS

    @admin.display(
        description=ActionClick._meta.get_field("duration_ms").verbose_name,  # translated
        ordering="duration_ms",
    )
    def duration(self, click: ActionClick) -> str:
        """How long the callback held the button, as a person reads it: "10.4 ms"."""
        return f"{click.duration_ms:.1f} ms"


@admin.register(Approval)
class ApprovalAdmin(AuditTrailAdmin):
    """Who let the agent do what: every approval, its arguments before and after, read-only."""

    list_display = [
        "created_at",
        "tool",
        "outcome",
        "decided_at",
        "decided_by",
        "decided_by_visitor",
        "via",
        "callback_status",
    ]
    list_filter = ["outcome", "tool", "via", "callback_status", "created_at"]
    list_select_related = ["decided_by"]
    search_fields = ["uuid", "tool", "message__conversation__uuid"]
    fields = readonly_fields = (
        "uuid",
        "message",
        "tool",
        "arguments",
        "digest",
        "schema",
        "payload",
        "created_at",
        "expires_at",
        "outcome",
        "decided_at",
        "decided_by",
        "decided_by_visitor",
        "via",
        "final_arguments",
        "reason",
        "callback_status",
        "callback_error",
    )
