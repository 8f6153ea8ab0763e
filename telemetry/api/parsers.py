"""A JSON parser for the bulk endpoint: orjson for speed, and for bodies that contain NaN or
Infinity (which orjson, like the JSON standard, refuses) the lenient standard parser, so that
those items are refused one by one with their index instead of the whole body."""

import json

import orjson
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class LenientJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read() if stream is not None else b""
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
        encoding = (parser_context or {}).get("encoding", "utf-8")
        try:
            return json.loads(body.decode(encoding))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"The body is not valid JSON: {exc}") from exc
