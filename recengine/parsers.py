"""The API's JSON body parser (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"])."""
from __future__ import annotations

import io
import json
import re

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# A \uD800-\uDFFF escape: half of a surrogate pair, or a lone one (rare in real bodies).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class StrictJSONParser(JSONParser):
    """DRF's JSONParser, refusing strings with an unpaired surrogate escape (e.g. "\\udaf1").

    Python's json module reads them into strings that no UTF-8 encoder (PostgreSQL's included) can
    write: the request then failed with a 500 when the value reached the database. Only bodies with
    such an escape pay for the check.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read()
        data = super().parse(io.BytesIO(body), media_type, parser_context)
        if _SURROGATE_ESCAPE.search(body):
            try:
                json.dumps(data, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:
                raise ParseError("JSON parse error - a string holds an unpaired surrogate (\\ud800-\\udfff).") from None
        return data
