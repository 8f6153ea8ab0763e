"""Shared API base classes: every viewset is scoped by ``for_user``, every serializer runs the
model's ``clean()`` and offers only related objects the user may see."""

from __future__ import annotations

import copy
import logging
import re
from datetime import date, datetime
from functools import partial

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers, status, viewsets
from rest_framework.fields import SkipField
from rest_framework.relations import Hyperlink, PKOnlyObject
from rest_framework.response import Response
from rest_framework.settings import ISO_8601, api_settings
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

ACTION_FOR_METHOD = {"GET": "view", "HEAD": "view", "OPTIONS": "view", "POST": "add", "PUT": "change",
                     "PATCH": "change", "DELETE": "delete"}


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


_plans: dict[tuple, list[tuple]] = {}
_field_specs: dict[type, list[tuple]] = {}
_SHARED = (str, int, float, bool, type(None), models.QuerySet, models.Manager, re.Pattern)


def _argument(value):
    """A field's argument for a new field: immutable values and querysets (cloned when used) as
    they are, the rest (a nested field, a mutable default) copied."""
    return value if isinstance(value, _SHARED) or callable(value) and not isinstance(value, serializers.Field) \
        else copy.deepcopy(value)


def _read_plan(serializer) -> list[tuple]:
    """How each readable field of a model serializer is read: a model column straight from the
    instance ("column"), a foreign key as its id ("fk"), or DRF's own way for the rest (sources
    through relations, methods, URLs, nested serializers). Worked out once per serializer class
    and set of fields, then bound to each instance's own fields."""
    fields = serializer.fields
    key = (type(serializer), tuple(fields))
    shape = _plans.get(key)
    if shape is None:
        shape = _plans[key] = _make_plan(serializer)
    context = serializer.context
    plan = []
    for name, kind, attname in shape:
        field = fields[name]
        convert = None
        if kind == "column":
            convert = _converter(field) or field.to_representation
        elif (kind == "drf" and isinstance(field, RowUrlField) and context.get("request") is not None
              and not context.get("format")):
            kind, convert = "row-url", partial(field.row_urls, context.get("request"))
        plan.append((name, kind, attname, field, convert))
    return plan


def _converter(field):
    """What ``field.to_representation`` does with a column's value (never None), as one call, for
    the field types whose conversion is that simple; None for the others. Bound to one
    serializer, so for one request (its time zone)."""
    kind = type(field)
    if kind in (serializers.CharField, serializers.EmailField, serializers.SlugField, serializers.URLField):
        return str
    if kind in (serializers.IntegerField, serializers.FloatField):
        return int if kind is serializers.IntegerField else float
    if kind is serializers.ChoiceField:
        choices = field.choice_strings_to_values
        return lambda value: choices.get(str(value), value)
    if kind is serializers.UUIDField and field.uuid_format == "hex_verbose":
        return str
    if kind is serializers.JSONField and not field.binary:
        return _same
    if kind is serializers.DateField and _is_iso(getattr(field, "format", api_settings.DATE_FORMAT)):
        return partial(_iso_date, field.to_representation)
    if (kind is serializers.DateTimeField and _is_iso(getattr(field, "format", api_settings.DATETIME_FORMAT))
            and not hasattr(field, "timezone") and settings.USE_TZ):
        return partial(_iso_datetime, timezone.get_current_timezone(), field.to_representation)
    return None


def _is_iso(output_format) -> bool:
    return isinstance(output_format, str) and output_format.lower() == ISO_8601


def _same(value):
    return value


def _iso_date(fallback, value):
    return value.isoformat() if type(value) is date else fallback(value)  # a string, a datetime: DRF's way


def _iso_datetime(zone, fallback, value):
    if type(value) is not datetime or value.tzinfo is None:
        return fallback(value)
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _make_plan(serializer) -> list[tuple]:
    model = serializer.Meta.model
    plan = []
    for field in serializer._readable_fields:
        kind, attname = "drf", None
        if len(field.source_attrs) == 1:
            try:
                model_field = model._meta.get_field(field.source_attrs[0])
            except FieldDoesNotExist:
                model_field = None
            if model_field is not None and model_field.concrete:
                if (isinstance(field, serializers.PrimaryKeyRelatedField) and model_field.many_to_one
                        and field.pk_field is None and field.use_pk_only_optimization()):
                    kind, attname = "fk", model_field.attname
                elif not model_field.is_relation and isinstance(field, serializers.Field) and not isinstance(
                        field, (serializers.RelatedField, serializers.ManyRelatedField, serializers.BaseSerializer,
                                serializers.SerializerMethodField)):
                    kind, attname = "column", model_field.attname
        plan.append((field.field_name, kind, attname))
    return plan


class ScopedModelSerializer(serializers.ModelSerializer):
    """Related fields list only what the requesting user may see (so another site's asset is
    'does not exist'), and ``validate`` runs the model's own ``clean()``. Rows are read by a plan
    made once per serializer (``_read_plan``): the same output as DRF's, without its per-field
    lookups on every row of a list."""

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

    def get_fields(self):
        """DRF's fields, worked out once per serializer class (reading the model's fields, their
        options and validators cost more than serializing a page of rows) and made anew for each
        serializer from the same arguments, as DRF's own copy of a field does: querysets,
        validators and patterns shared, the rest (nested fields, defaults) copied."""
        specs = _field_specs.get(type(self))
        if specs is None:
            specs = _field_specs[type(self)] = [(name, type(f), f._args, f._kwargs)
                                                for name, f in super().get_fields().items()]
        return {name: cls(*[_argument(a) for a in args], **{k: v if k in ("validators", "regex") else _argument(v)
                                                            for k, v in kwargs.items()})
                for name, cls, args, kwargs in specs}

    def to_representation(self, instance):
        if not isinstance(instance, self.Meta.model):  # validated data and the like: DRF's way
            return super().to_representation(instance)
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = self._plan = _read_plan(self)
        ret = {}
        for name, kind, attname, field, convert in plan:
            if kind == "fk":
                ret[name] = getattr(instance, attname)
            elif kind == "column":
                value = getattr(instance, attname)
                ret[name] = None if value is None else convert(value)
            elif kind == "row-url":
                ret[name] = Hyperlink(convert(instance.pk), instance) if instance.pk is not None else None
            else:
                try:
                    attribute = field.get_attribute(instance)
                except SkipField:
                    continue
                check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
                ret[name] = None if check_for_none is None else field.to_representation(attribute)
        return ret

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
            return None  # an export is the whole filtered list, not one page
        return super().paginate_queryset(queryset)


class ScopedViewSet(ScopedQuerysetMixin, viewsets.ModelViewSet):
    """CRUD over ``queryset.for_user(user, action)``: rows of other sites answer 404. Plain
    creates, updates and deletes leave an audit row; models with a service of their own
    override these hooks to call it."""

    def _audit(self, verb: str, instance, changes=None) -> None:
        from accounts.services import write_audit

        write_audit(actor=self.request.user, action=f"{instance._meta.model_name}.{verb}", obj=instance,
                    changes=changes)

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
