"""Small builders shared by the asset tests."""

import io


def png_bytes(width: int = 64, height: int = 48, colour=(30, 120, 200)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()
