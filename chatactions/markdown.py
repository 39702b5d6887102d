"""Message content is Markdown, drawn as HTML that cannot carry a script.

Raw HTML in the source is shown as text (markdown-it's ``html=False``), so a
message ``<script>alert(1)</script>`` reads as exactly that; nh3 then cleans
the output as a second wall, which also makes every link open safely.
"""

from __future__ import annotations

import functools

import nh3
from markdown_it import MarkdownIt

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True}).enable(
    ["table", "strikethrough"]
)

_TAGS = {
    "a", "p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


#: Texts up to this long are cached, at most 1,024 of them; longer ones are drawn each time.
CACHED_LENGTH = 2000


def render_markdown(text: str) -> str:
    """Sanitised HTML for ``text``; store it, as rendering on every page view is waste.

    Short texts are cached: a bot says the same few things again and again
    ("Deletion cancelled."), and parsing and cleaning cost more than saving
    the message did.
    """
    return _cached(text) if len(text) <= CACHED_LENGTH else _render(text)


@functools.lru_cache(maxsize=1024)
def _cached(text: str) -> str:
    return _render(text)


def _render(text: str) -> str:
    html = _parser.render(text)
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    ).strip()
