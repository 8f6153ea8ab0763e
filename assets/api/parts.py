"""Spare parts over the API: the catalogue, storerooms, stock levels, the bill of materials, and the
stock ledger with its explicit movement endpoints (receive, issue, return, adjust, transfer)."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from assets import services_parts as stock
from assets.filters_parts import (
    BomLineFilterSet,
    PartFilterSet,
    StockLevelFilterSet,
    StockMovementFilterSet,
    StoreroomFilterSet,
)
from assets.models import Asset, BomLine, Part, StockLevel, StockMovement, Storeroom
from assets.selectors_parts import parts_with_stock
from prosync.core.api import ScopedModelSerializer, ScopedReadOnlyViewSet, ScopedViewSet
from prosync.core.files import ProtectedImageField

# --- Serializers -----------------------------------------------------------------------------


class PartSerializer(ScopedModelSerializer):
    on_hand = serializers.DecimalField(max_digits=16, decimal_places=3, read_only=True,
                                       help_text="On hand in the storerooms of your sites.")
    is_low = serializers.BooleanField(read_only=True, help_text="At or below the reorder point somewhere.")
    photo = ProtectedImageField("assets:part-photo", required=False, allow_null=True,
                                help_text="Multipart upload; answered with the photo's permission-checked address.")

    class Meta:
        model = Part
        fields = ["id", "part_number", "name", "description", "unit", "unit_cost", "manufacturer",
                  "manufacturer_part_number", "category", "photo", "on_hand", "is_low", "created_at", "updated_at"]


class StoreroomSerializer(ScopedModelSerializer):
    class Meta:
        model = Storeroom
        fields = ["id", "site", "code", "name", "description"]


class StockLevelSerializer(ScopedModelSerializer):
    part_number = serializers.CharField(source="part.part_number", read_only=True)
    storeroom_code = serializers.CharField(source="storeroom.code", read_only=True)
    is_low = serializers.BooleanField(read_only=True)

    class Meta:
        model = StockLevel
        fields = ["id", "part", "part_number", "storeroom", "storeroom_code", "on_hand", "reorder_point",
                  "reorder_quantity", "bin_location", "is_low", "updated_at"]
        read_only_fields = ["on_hand"]

    def validate(self, attrs):
        if self.instance is not None:
            for field in ("part", "storeroom"):
                if field in attrs and attrs[field] != getattr(self.instance, field):
                    raise serializers.ValidationError({field: "Cannot be changed; set levels on the other row."})
        return super().validate(attrs)


class StockMovementSerializer(ScopedModelSerializer):
    part_number = serializers.CharField(source="part.part_number", read_only=True)
    storeroom_code = serializers.CharField(source="storeroom.code", read_only=True)
    created_by = serializers.StringRelatedField()

    class Meta:
        model = StockMovement
        fields = ["id", "part", "part_number", "storeroom", "storeroom_code", "kind", "quantity", "balance_after",
                  "unit_cost", "reference", "note", "asset", "transfer_id", "created_by", "created_at"]
        read_only_fields = fields


class BomLineSerializer(ScopedModelSerializer):
    part_number = serializers.CharField(source="part.part_number", read_only=True)
    asset_tag = serializers.CharField(source="asset.tag", read_only=True)

    class Meta:
        model = BomLine
        fields = ["id", "asset", "asset_tag", "part", "part_number", "quantity", "note"]


class _MovementSerializer(serializers.Serializer):
    """Common fields of the movement endpoints; related objects are scoped to the user's sites."""

    part = serializers.PrimaryKeyRelatedField(queryset=Part.objects.all())
    storeroom = serializers.PrimaryKeyRelatedField(queryset=Storeroom.objects.all())
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3, min_value=Decimal("0.001"))
    reference = serializers.CharField(max_length=60, required=False, default="", allow_blank=True)
    note = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:  # the schema generator builds serializers without a request
            return
        for name in ("storeroom", "from_storeroom", "to_storeroom", "asset"):
            if name in self.fields:
                self.fields[name].queryset = self.fields[name].queryset.for_user(request.user, "view")


class ReceiveSerializer(_MovementSerializer):
    unit_cost = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal(0), required=False,
                                         allow_null=True, default=None)

    def execute(self, user):
        return [stock.receive_stock(actor=user, **self.validated_data)]


class IssueSerializer(_MovementSerializer):
    asset = serializers.PrimaryKeyRelatedField(queryset=Asset.objects.all(), required=False, allow_null=True,
                                               default=None)

    def execute(self, user):
        return [stock.issue_stock(actor=user, **self.validated_data)]


class ReturnSerializer(IssueSerializer):
    def execute(self, user):
        return [stock.return_stock(actor=user, **self.validated_data)]


class AdjustSerializer(_MovementSerializer):
    quantity = serializers.DecimalField(max_digits=14, decimal_places=3, required=False, allow_null=True,
                                        default=None, help_text="Signed change (+ found, - lost); or give counted.")
    counted = serializers.DecimalField(max_digits=14, decimal_places=3, required=False, allow_null=True,
                                       default=None, min_value=Decimal(0), help_text="Quantity found by a count.")
    note = serializers.CharField(max_length=255, help_text="Why the stock is adjusted.")

    def execute(self, user):
        movement = stock.adjust_stock(actor=user, **self.validated_data)
        return [movement] if movement else []


class TransferSerializer(_MovementSerializer):
    storeroom = None
    from_storeroom = serializers.PrimaryKeyRelatedField(queryset=Storeroom.objects.all())
    to_storeroom = serializers.PrimaryKeyRelatedField(queryset=Storeroom.objects.all())

    def execute(self, user):
        return list(stock.transfer_stock(actor=user, **self.validated_data))


# --- Viewsets --------------------------------------------------------------------------------


class ServiceWritesMixin:
    """Creates and updates through the parts services (validation, audit) instead of a bare save."""

    save_service = None

    def perform_create(self, serializer):
        serializer.instance = type(self).save_service(serializer.Meta.model(**serializer.validated_data),
                                                      actor=self.request.user)

    def perform_update(self, serializer):
        instance = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(instance, key, value)
        type(self).save_service(instance, actor=self.request.user,
                                changes={k: str(getattr(v, "pk", v)) for k, v in serializer.validated_data.items()})

    def perform_destroy(self, instance):
        stock.delete_object(instance, actor=self.request.user)


class PartViewSet(ServiceWritesMixin, ScopedViewSet):
    queryset = Part.objects.all()
    serializer_class = PartSerializer
    filterset_class = PartFilterSet
    search_fields = ["part_number", "name", "manufacturer_part_number"]
    ordering_fields = ["part_number", "name", "category", "unit_cost", "on_hand", "updated_at"]
    save_service = stock.save_part

    def get_queryset(self):
        return parts_with_stock(super().get_queryset(), self.request.user)

    def perform_create(self, serializer):
        super().perform_create(serializer)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)  # with on_hand and is_low

    def perform_update(self, serializer):
        super().perform_update(serializer)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)


class StoreroomViewSet(ServiceWritesMixin, ScopedViewSet):
    queryset = Storeroom.objects.select_related("site")
    serializer_class = StoreroomSerializer
    filterset_class = StoreroomFilterSet
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    save_service = stock.save_storeroom


class StockLevelViewSet(ScopedViewSet):
    """Stock per part and storeroom. On hand is read-only (it moves only with the ledger); the
    reorder point, reorder quantity and bin can be set. A row is never deleted (it carries history)."""

    queryset = StockLevel.objects.select_related("part", "storeroom")
    serializer_class = StockLevelSerializer
    filterset_class = StockLevelFilterSet
    ordering_fields = ["on_hand", "reorder_point", "updated_at"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def _levels(self, serializer, part, storeroom):
        data = serializer.validated_data
        return stock.set_reorder_levels(part, storeroom, actor=self.request.user,
                                        reorder_point=data.get("reorder_point"),
                                        reorder_quantity=data.get("reorder_quantity"),
                                        bin_location=data.get("bin_location"))

    def perform_create(self, serializer):
        data = serializer.validated_data
        if StockLevel.objects.filter(part=data["part"], storeroom=data["storeroom"]).exists():
            raise serializers.ValidationError({"part": "This part already has a stock row in this storeroom."})
        serializer.instance = self._levels(serializer, data["part"], data["storeroom"])

    def perform_update(self, serializer):
        serializer.instance = self._levels(serializer, serializer.instance.part, serializer.instance.storeroom)


class BomLineViewSet(ServiceWritesMixin, ScopedViewSet):
    queryset = BomLine.objects.select_related("part", "asset")
    serializer_class = BomLineSerializer
    filterset_class = BomLineFilterSet
    ordering_fields = ["quantity"]
    save_service = stock.save_bom_line


MOVEMENT_SERIALIZERS = {"receive": ReceiveSerializer, "issue": IssueSerializer, "return_parts": ReturnSerializer,
                        "adjust": AdjustSerializer, "transfer": TransferSerializer}


class StockMovementViewSet(ScopedReadOnlyViewSet):
    """The stock ledger (read-only rows) and the movements that write it. A movement answers 201
    with the ledger rows it wrote, 400 naming the field and the reason, or 409 when the quantity
    is more than is on hand (the body gives ``on_hand``)."""

    queryset = StockMovement.objects.select_related("part", "storeroom", "created_by")
    serializer_class = StockMovementSerializer
    filterset_class = StockMovementFilterSet
    ordering_fields = ["created_at", "quantity"]
    http_method_names = ["get", "post", "head", "options"]
    # Technicians issue and return parts for their work; receipts, counts and transfers are the
    # storekeeper's (whoever may change stock levels).
    action_permissions = {"issue": ["assets.add_stockmovement"], "return_parts": ["assets.add_stockmovement"],
                          **{name: ["assets.add_stockmovement", "assets.change_stocklevel"]
                             for name in ("receive", "adjust", "transfer")}}

    def get_serializer_class(self):
        return MOVEMENT_SERIALIZERS.get(self.action, StockMovementSerializer)

    def _movement(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            movements = serializer.execute(request.user)
        except stock.StockConflict as exc:  # other refusals: 400 through the project's exception handler
            return Response({**exc.message_dict, **exc.figures}, status=status.HTTP_409_CONFLICT)
        body = StockMovementSerializer(movements, many=True, context=self.get_serializer_context()).data
        return Response({"movements": body}, status=status.HTTP_201_CREATED if movements else status.HTTP_200_OK)

    @extend_schema(request=ReceiveSerializer, responses={201: StockMovementSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def receive(self, request):
        return self._movement(request)

    @extend_schema(request=IssueSerializer, responses={201: StockMovementSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def issue(self, request):
        return self._movement(request)

    @extend_schema(request=ReturnSerializer, responses={201: StockMovementSerializer(many=True)})
    @action(detail=False, methods=["post"], url_path="return", url_name="return")
    def return_parts(self, request):
        return self._movement(request)

    @extend_schema(request=AdjustSerializer, responses={201: StockMovementSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def adjust(self, request):
        return self._movement(request)

    @extend_schema(request=TransferSerializer, responses={201: StockMovementSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def transfer(self, request):
        return self._movement(request)

