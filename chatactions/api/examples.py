"""The values the OpenAPI examples show: one conversation, one question, two buttons.

Apart from ``schema`` so the description of each endpoint is not lost among
them; the ids are fixed, so the published schema does not change from run to run.
"""

from __future__ import annotations

BASE = "http://127.0.0.1:8000/api/chat/conversations"
CONVERSATION = "6f1c2b9e-3d4a-4c5b-8e7f-9a0b1c2d3e4f"
GREETING = "0b7e5a1c-2f3d-4e6a-9b8c-7d6e5f4a3b2c"
QUESTION = "3c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f"
CONFIRM = "5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c"
CANCEL = "8a7b6c5d-4e3f-4a2b-9c1d-0e9f8a7b6c5d"

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
