"""Uploaded files: served only through views that check the viewer may see their object (never a
public /media/ URL), linked from the API by those views' URLs, and images refused above a pixel
count before anything decodes them."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.urls import reverse
from rest_framework import serializers


def serve_file(field_file, content_type: str = "", *, inline: bool, filename: str | None = None) -> FileResponse:
    """The file as a download (or shown in the browser when ``inline``), typed by what the upload
    check found, never sniffed, and unable to run script if opened directly."""
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The file is no longer in storage.") from exc
    response = FileResponse(handle, as_attachment=not inline, filename=filename or field_file.name.rsplit("/", 1)[-1],
                            content_type=content_type or None)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response


class ProtectedFileField(serializers.FileField):
    """A file field whose value in an answer is the URL of the permission-checked view
    ``view_name`` (given the object's primary key), not the storage's public URL."""

    def __init__(self, view_name: str, **kwargs):
        self.view_name = view_name
        super().__init__(**kwargs)

    def to_representation(self, value):
        if not value:
            return None
        path = reverse(self.view_name, args=[value.instance.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class CappedImageUpload(serializers.ImageField):
    """DRF's image field, refusing an image over ``IMAGE_MAX_PIXELS`` with its size before the
    field decodes it (the plain field would say only "not a valid image")."""

    def to_internal_value(self, data):
        if hasattr(data, "seek"):
            try:
                check_image_pixels(data)
            except ValidationError as exc:
                raise serializers.ValidationError(exc.messages) from exc
        return super().to_internal_value(data)


class ProtectedImageField(ProtectedFileField, CappedImageUpload):
    """``ProtectedFileField`` for an image: uploads are checked as images, with the pixel cap."""


class CappedImageField(forms.ImageField):
    """Django's image form field, refusing an image over ``IMAGE_MAX_PIXELS`` with its size
    before the field decodes it (the plain field would say only "not a valid image")."""

    def to_python(self, data):
        if data and hasattr(data, "seek"):
            check_image_pixels(data)
        return super().to_python(data)


def check_image_pixels(upload, field: str | None = None) -> None:
    """Refuse an image whose width x height is over ``IMAGE_MAX_PIXELS`` (a small file can declare
    a huge canvas, and decoding it for a preview takes the memory of the whole canvas). Only the
    header is read. ``field`` puts the message on that field."""
    from PIL import Image, UnidentifiedImageError

    cap = settings.IMAGE_MAX_PIXELS
    try:
        upload.seek(0)
        with Image.open(upload) as img:
            width, height = img.size
    except Image.DecompressionBombError:
        width = height = None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return  # not an image: the caller's own check says so
    finally:
        upload.seek(0)
    if width is None or width * height > cap:
        size = f"{width} × {height} pixels" if width is not None else "far larger than that"
        message = (f"The image is {size}; at most {cap / 1e6:g} megapixels are accepted. "
                   "Send a smaller photo (phone cameras take 12 to 50).")
        raise ValidationError({field: message} if field else message)
