"""The API's parsers: DRF's, bounded.

DRF's ``JSONParser`` turns a ``ValueError`` into a 400 but lets the
``RecursionError`` of a deeply nested body through, as a 500. The depth is
checked first (``jsontext``), so such a body is a 400 like any other bad JSON.

A form with files is submitted as ``multipart/form-data``
(``BoundedMultiPartParser``): its body's length was checked by the view
before parsing (``ChatAPIView.initial``), each file is checked against
``MAX_UPLOAD_BYTES`` by the dispatcher, and the parser itself refuses more
files than one submission may carry.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import DataAndFiles, JSONParser, MultiPartParser

from .. import jsontext

#: Most files one multipart submission may carry (Django's own cap is 100 per request).
MAX_FILES = 10


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


class BoundedMultiPartParser(MultiPartParser):
    """Multipart bodies (a form with files), refused with 400 beyond ``MAX_FILES`` files."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> DataAndFiles[Any, Any]:
        """DRF's parse (Django's multipart parser, with its field caps), then the file count."""
        parsed = super().parse(stream, media_type, parser_context)
        count = sum(len(parsed.files.getlist(name)) for name in parsed.files)
        if count > MAX_FILES:
            for name in parsed.files:
                for upload in parsed.files.getlist(name):
                    upload.close()  # its temporary file goes now, not at garbage collection
            raise ParseError(f"Multipart form parse error - more than {MAX_FILES} files.")
        return parsed
