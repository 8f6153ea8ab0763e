"""Shared API base classes: every viewset is scoped by ``for_user``, every serializer runs the
model's ``clean()`` and offers only related objects the user may see."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from prosync.core.recording import record

logger = logging.getLogger(__name__)

ACTION_FOR_METHOD = {"GET": "view", "HEAD": "view", "OPTIONS": "view", "POST": "add", "PUT": "change",
                     "PATCH": "change", "DELETE": "delete"}


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


class BodyLimitMixin:
    """413 before the body is read or parsed when its declared length (``Content-Length``) is
    over the setting named by ``max_body_setting``: the parsers never see an oversized body."""

    max_body_setting: str

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttles first
        limit = getattr(settings, self.max_body_setting)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            raise RequestTooLarge(f"The request body is {length:,} bytes; this endpoint takes at most {limit:,} "
                                  f"bytes ({self.max_body_setting}). Send it in smaller parts.")


def exception_handler(exc, context):
    """DRF's handler, plus Django validation and integrity errors as 400/409 instead of 500."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        logger.info("integrity error answered with 409", extra={"error": str(exc)})
        return Response({"detail": "This conflicts with existing data (a duplicate or a row still in use)."},
                        status=status.HTTP_409_CONFLICT)
    return drf_exception_handler(exc, context)


class RowUrls:
    """Absolute URLs of one route for every row of a list at the cost of one ``reverse()``: the
    route is reversed once with a stand-in value, and each row's value takes its place (reversing
    and building an absolute URL per row was a third of the time of serializing a page). The
    stand-in must pass the route's converter (digits for ``<int:pk>``, a UUID for ``<uuid:…>``)."""

    INT = "8213009471"
    UUID = "5f0c1c1e-8a53-4d8e-9d1a-3b7e2c1f0a99"

    def __init__(self, view_name: str, stand_in: str = INT):
        self.view_name, self.stand_in = view_name, stand_in
        self._latest: tuple = (None, None)  # (request, URL split at the stand-in): the request held, not its id

    def __call__(self, request, value) -> str:
        held, parts = self._latest
        if parts is None or held is not request:
            path = reverse(self.view_name, args=[self.stand_in])
            parts = (request.build_absolute_uri(path) if request is not None else path).split(self.stand_in)
            self._latest = (request, parts)
        if len(parts) != 2:  # the stand-in also appears elsewhere (the host): reverse this one
            path = reverse(self.view_name, args=[value])
            return request.build_absolute_uri(path) if request is not None else path
        return f"{parts[0]}{value}{parts[1]}"


class RowUrlField(serializers.HyperlinkedIdentityField):
    """DRF's identity URL, built through ``RowUrls`` (the route's lookup is the primary key)."""

    def __init__(self, view_name, **kwargs):
        super().__init__(view_name=view_name, **kwargs)
        self.row_urls = RowUrls(view_name)

    def get_url(self, obj, view_name, request, format):
        if format or obj.pk is None:
            return super().get_url(obj, view_name, request, format)
        return self.row_urls(request, obj.pk)


class ScopedModelSerializer(serializers.ModelSerializer):
    """Related fields list only what the requesting user may see (so another site's asset is
    'does not exist'), and ``validate`` runs the model's own ``clean()``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None or request.method in ("GET", "HEAD"):
            return  # a read validates no related ids (the browsable API's forms are built as POST/PUT)
        for field in self.fields.values():
            target = getattr(field, "child_relation", field)
            qs = getattr(target, "queryset", None)
            if isinstance(qs, models.Manager):  # DRF builds related fields with the model's manager
                qs = qs.all()
            if qs is not None and hasattr(qs, "for_user") and not field.read_only:
                target.queryset = qs.for_user(request.user, "view")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        instance = model(**{k: v for k, v in attrs.items() if not isinstance(v, list)})
        if self.instance is not None:
            for field in model._meta.concrete_fields:
                if field.name not in attrs:
                    setattr(instance, field.attname, getattr(self.instance, field.attname))
        try:
            instance.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from exc
        return attrs


class ScopedQuerysetMixin:
    """``queryset.for_user(user, action)``: rows of other sites answer 404."""

    def get_queryset(self):
        action = ACTION_FOR_METHOD.get(self.request.method, "view")
        action = getattr(self, "action_scopes", {}).get(self.action, action)
        return super().get_queryset().for_user(self.request.user, action)

    def paginate_queryset(self, queryset):
        renderer = getattr(self.request, "accepted_renderer", None)
        if getattr(renderer, "format", None) == "csv":
            # An export is the whole filtered list, not one page, built in memory: up to a cap.
            rows = queryset.count()
            if rows > settings.API_CSV_MAX_ROWS:
                raise serializers.ValidationError({"format": [
                    f"This list has {rows:,} rows; a CSV from the API holds at most {settings.API_CSV_MAX_ROWS:,}. "
                    "Narrow it with filters, page through the JSON, or export it from the list page, which runs "
                    "large exports in the background."]})
            return None
        return super().paginate_queryset(queryset)


class ScopedViewSet(ScopedQuerysetMixin, viewsets.ModelViewSet):
    """CRUD over ``queryset.for_user(user, action)``: rows of other sites answer 404. Plain
    creates, updates and deletes leave an audit row; models with a service of their own
    override these hooks to call it."""

    def _audit(self, verb: str, instance, changes=None) -> None:
        record(self.request.user, f"{instance._meta.model_name}.{verb}", instance, changes=changes)

    def perform_create(self, serializer):
        with transaction.atomic():
            self._audit("create", serializer.save(), _jsonable(serializer.validated_data))

    def perform_update(self, serializer):
        with transaction.atomic():
            self._audit("update", serializer.save(), _jsonable(serializer.validated_data))

    def perform_destroy(self, instance):
        with transaction.atomic():
            self._audit("delete", instance)
            instance.delete()


def _jsonable(data: dict) -> dict:
    return {k: (v.pk if hasattr(v, "pk") else v if isinstance(v, (int, float, str, bool, type(None))) else str(v))
            for k, v in data.items()}


class ScopedReadOnlyViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """List and detail only. A subclass may add POST for a custom action (acknowledge, promote)
    without that also opening create/update/delete: those handlers do not exist here."""

    http_method_names = ["get", "head", "options"]
