"""The HTTP API: the same conversation for clients that keep no socket open.

Mobile apps, server-to-server integrations and tests speak plain HTTP through
Django REST framework. Include ``chatactions.api.urls`` (the demo mounts it at
``/api/chat/``). Every write goes through ``chatactions.dispatch``, like the
socket and the no-JavaScript forms, so ownership, claims, limits and the audit
trail are the same whatever door a click comes in by. See ``docs/http-api.md``.
"""
