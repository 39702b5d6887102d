"""Agent frameworks in a conversation: their pauses become ``ca.Approval`` rows.

Optional extras, each importing its framework only when used:
``chatactions.agents.pydantic_ai`` (``pip install django-chatactions[pydantic-ai]``)
and ``chatactions.agents.langgraph`` (``[langgraph]``). A run's state lives in
the database, so the decision that resumes it may come on any process, after a
restart; the tool runs with exactly the arguments the owner approved.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured


def missing(module: str, extra: str) -> ImproperlyConfigured:
    """The error of an adapter whose framework is not installed: it names the extra."""
    return ImproperlyConfigured(
        f"chatactions.agents needs {module} for this adapter, and it cannot be imported: "
        f'pip install "django-chatactions[{extra}]"'
    )
