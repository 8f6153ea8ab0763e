"""CSV import over the API: POST a file to /api/v1/imports/<kind>/ (multipart, field ``file``);
``dry_run`` is true unless ``dry_run=false`` is given. 200 with the report when the file is clean,
400 with every bad row (row, column, message) otherwise; nothing is written in that case."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from assets.imports import KINDS, MAX_BYTES, may_import, run_import
from prosync.core.api import BodyLimitMixin


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    dry_run = serializers.BooleanField(default=True)

    def validate_file(self, f):
        if f.size > MAX_BYTES:
            raise serializers.ValidationError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
        return f


class ImportView(BodyLimitMixin, GenericAPIView):
    serializer_class = ImportUploadSerializer
    max_body_setting = "IMPORT_MAX_BODY_BYTES"
    parser_classes = [MultiPartParser, FormParser]
    permission_classes = [IsAuthenticated]  # run_import checks the role's add/change permission on the model

    @extend_schema(request={"multipart/form-data": ImportUploadSerializer},
                   parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=sorted(KINDS))])
    def post(self, request, kind: str):
        if kind not in KINDS:
            return Response({"kind": [f"Unknown import {kind!r}; choose one of {', '.join(KINDS)}."]},
                            status=status.HTTP_404_NOT_FOUND)
        if not may_import(request.user, kind):
            raise PermissionDenied(f"Your role may not import {kind}.")
        serializer = ImportUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = run_import(kind, serializer.validated_data["file"].read(), actor=request.user,
                            dry_run=serializer.validated_data["dry_run"])
        return Response(report.as_dict(), status=status.HTTP_200_OK if report.ok else status.HTTP_400_BAD_REQUEST)
