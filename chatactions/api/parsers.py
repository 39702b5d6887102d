"""The API's JSON parser: DRF's, with the socket's bound on nesting.

DRF's ``JSONParser`` turns a ``ValueError`` into a 400 but lets the
``RecursionError`` of a deeply nested body through, as a 500. The depth is
checked first (``jsontext``), so such a body is a 400 like any other bad JSON.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from .. import jsontext


class BoundedJSONParser(JSONParser):
    """JSON bodies, refused with 400 when they nest deeper than ``jsontext.MAX_DEPTH``."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        """Count the nesting before DRF parses; the body is small (``MAX_FRAME_BYTES``)."""
        body = stream.read()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            jsontext.check_depth(body.decode(encoding, errors="replace"))
        except jsontext.TooDeep as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        return super().parse(io.BytesIO(body), media_type, parser_context)
