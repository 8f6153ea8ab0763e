"""HTML documents printed to PDF by WeasyPrint. The document fetches nothing from the network:
its stylesheet and charts are ours, and any other URL in it is refused."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

STYLESHEET = "css/exports.css"


def _local_only(url: str, timeout: int = 10, ssl_context=None):
    """WeasyPrint's fetcher, limited to data: URLs and the project's static files: a name typed by a
    user and drawn into the document can never make the server fetch an address."""
    from weasyprint import default_url_fetcher

    static = Path(settings.BASE_DIR, "static").resolve()
    if url.startswith("data:"):
        return default_url_fetcher(url, timeout=timeout, ssl_context=ssl_context)
    if url.startswith("file://"):
        path = Path(url[len("file://"):]).resolve()
        if path.is_relative_to(static):
            return default_url_fetcher(url, timeout=timeout, ssl_context=ssl_context)
    raise ValueError(f"not fetched in a PDF: {url[:80]}")


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import CSS, HTML

    html = render_to_string(template, {**context, "pdf": True})
    stylesheet = finders.find(STYLESHEET) or str(Path(settings.BASE_DIR, "static", STYLESHEET))
    return HTML(string=html, base_url=str(Path(settings.BASE_DIR, "static")), url_fetcher=_local_only) \
        .write_pdf(stylesheets=[CSS(filename=stylesheet, url_fetcher=_local_only)])
