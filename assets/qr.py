"""QR codes of asset labels (segno): each encodes the absolute URL of the asset's label view,
/a/<qr_token>/, which opens the asset page or the public problem report."""

from __future__ import annotations

import io

import segno
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe


def asset_qr_url(request, asset) -> str:
    return request.build_absolute_uri(reverse("assets:qr", args=[asset.qr_token]))


def asset_qr_svg(request, asset, *, scale: int = 4, inline: bool = True) -> str:
    """SVG of the asset's QR code: an inline <svg> element for pages (sized by CSS: it has a
    viewBox and no fixed size), or a document."""
    qr = segno.make(asset_qr_url(request, asset), error="m")
    if inline:
        return mark_safe(qr.svg_inline(scale=scale, border=2, title=f"QR code of {escape(asset.tag)}",  # noqa: S308
                                       svgclass="qr", lineclass=None, omitsize=True))
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=scale, border=4, title=f"QR code of {asset.tag}")
    return out.getvalue().decode()
