"""CSV for the API lists: ``?format=csv`` on any list endpoint answers the whole filtered list
(scoped like the JSON, not paginated) as a CSV download."""

from __future__ import annotations

import csv
import io
import json

from rest_framework.renderers import BaseRenderer
from rest_framework.utils.encoders import JSONEncoder


def spreadsheet_safe(value):
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe; spreadsheets
    skip leading spaces before reading a formula, so the test looks past them."""
    if not isinstance(value, str):
        return value
    if value[:1] in ("\t", "\r"):
        return "'" + value
    text = value.lstrip(" ")
    if text[:1] in ("=", "+", "@", "\t", "\r") or (text[:1] == "-" and not text[1:2].isdecimal()):
        return "'" + value
    return value


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict):
            rows = data["results"] if isinstance(data.get("results"), list) else [data]
        else:
            rows = data if isinstance(data, list) else [] if data is None else [data]
        # An error's messages (a list of strings) are rows of one "detail" column.
        rows = [row if isinstance(row, dict) else {"detail": row} for row in rows]
        header: list[str] = []
        for row in rows:
            header.extend(k for k in row if k not in header)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow([self._cell(row.get(k)) for k in header])
        response = (renderer_context or {}).get("response")
        view = (renderer_context or {}).get("view")
        if response is not None and response.status_code < 400:
            name = getattr(view, "basename", None) or "export"
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")

    @staticmethod
    def _cell(value):
        if value is None:
            return ""
        if isinstance(value, (dict, list)):
            return json.dumps(value, ensure_ascii=False, cls=JSONEncoder)  # decimals, dates: as in the JSON
        return spreadsheet_safe(value)
