"""The core: what a click, a message or a question does to rows and sockets.

One module per job, called by ``dispatch`` and by the public API objects
(``ca.Message``, ``ca.Action``, ``ca.AskActionMessage``), never the other way:
the core takes plain drafts (``drafts``) and rows, and never imports the
public API, not even for types (``make lint`` checks it). See
docs/architecture.md.
"""
