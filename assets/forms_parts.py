"""Forms of the spare-part pages: the stock movements of the part page (each runs its
``assets.services_parts`` service in ``execute``), the part form and the asset page's bill-of-materials
line."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from assets import services_parts as stock
from assets.forms import PartNumberField
from assets.models import Asset, BomLine, Part, StockLevel, StockMovement, Storeroom
from prosync.core.files import CappedImageField


class _MovementForm(forms.Form):
    quantity = forms.DecimalField(max_digits=14, decimal_places=3, min_value=Decimal("0.001"))
    reference = forms.CharField(max_length=60, required=False, help_text="Work order, PO or delivery note.")
    note = forms.CharField(max_length=255, required=False)

    def __init__(self, *args, user=None, part=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.part = part
        rooms = Storeroom.objects.for_user(user, "view").select_related("site")
        for name in ("storeroom", "to_storeroom"):
            if name in self.fields:
                self.fields[name].queryset = rooms
        self.user = user


class ReceiveForm(_MovementForm):
    storeroom = forms.ModelChoiceField(queryset=Storeroom.objects.none())
    unit_cost = forms.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    field_order = ["storeroom", "quantity", "unit_cost", "reference", "note"]

    def execute(self, user):
        return stock.receive_stock(self.part, actor=user, **self.cleaned_data)


class IssueForm(_MovementForm):
    storeroom = forms.ModelChoiceField(queryset=Storeroom.objects.none())
    # Typed, not chosen from a list of every asset of the site (there can be thousands).
    asset = forms.CharField(max_length=40, required=False, label="Asset tag",
                            help_text="The asset the parts are for, e.g. P-101 (on the storeroom's site).")
    field_order = ["storeroom", "quantity", "asset", "reference", "note"]

    def clean(self):
        data = super().clean()
        tag, room = data.get("asset", ""), data.get("storeroom")
        if not tag:
            data["asset"] = None
        elif room is not None:
            asset = Asset.objects.for_user(self.user, "view").filter(site=room.site_id, tag__iexact=tag).first()
            if asset is None:
                self.add_error("asset", f"No asset tagged {tag} on {room.site}.")
            data["asset"] = asset
        return data

    def execute(self, user):
        return stock.issue_stock(self.part, actor=user, **self.cleaned_data)


class ReturnForm(IssueForm):
    def execute(self, user):
        return stock.return_stock(self.part, actor=user, **self.cleaned_data)


class AdjustForm(_MovementForm):
    storeroom = forms.ModelChoiceField(queryset=Storeroom.objects.none())
    quantity = None
    counted = forms.DecimalField(max_digits=14, decimal_places=3, min_value=0, label="Counted quantity")
    note = forms.CharField(max_length=255, label="Reason", help_text="Count, damage, loss...")
    field_order = ["storeroom", "counted", "note", "reference"]

    def execute(self, user):
        return stock.adjust_stock(self.part, actor=user, **self.cleaned_data)


class TransferForm(_MovementForm):
    storeroom = forms.ModelChoiceField(queryset=Storeroom.objects.none(), label="From")
    to_storeroom = forms.ModelChoiceField(queryset=Storeroom.objects.none(), label="To")
    field_order = ["storeroom", "to_storeroom", "quantity", "reference", "note"]

    def execute(self, user):
        data = dict(self.cleaned_data)
        return stock.transfer_stock(self.part, data.pop("storeroom"), data.pop("to_storeroom"), actor=user, **data)


class ReorderLevelsForm(_MovementForm):
    storeroom = forms.ModelChoiceField(queryset=Storeroom.objects.none())
    quantity = None
    reference = None
    note = None
    reorder_point = forms.DecimalField(max_digits=14, decimal_places=3, min_value=0,
                                       help_text="Low-stock alert when on hand falls to this (0: no alert).")
    reorder_quantity = forms.DecimalField(max_digits=14, decimal_places=3, min_value=0, required=False)
    bin_location = forms.CharField(max_length=40, required=False, label="Bin")

    def execute(self, user):
        data = self.cleaned_data
        return stock.set_reorder_levels(self.part, data["storeroom"], actor=user, reorder_point=data["reorder_point"],
                                        reorder_quantity=data.get("reorder_quantity"),
                                        bin_location=data.get("bin_location", ""))


# kind -> (form, title, (action, model) the role needs): technicians issue and return, storekeepers
# do the rest.
_MOVE = ("add", StockMovement)
_STOCK = ("change", StockLevel)
MOVEMENTS = {
    "issue": (IssueForm, "Issue", [_MOVE]),
    "return": (ReturnForm, "Return", [_MOVE]),
    "receive": (ReceiveForm, "Receive", [_MOVE, _STOCK]),
    "adjust": (AdjustForm, "Count / adjust", [_MOVE, _STOCK]),
    "transfer": (TransferForm, "Transfer", [_MOVE, _STOCK]),
    "levels": (ReorderLevelsForm, "Reorder levels", [_STOCK]),
}


PHOTO_MAX_BYTES = 5 * 1024 * 1024


class PartForm(forms.ModelForm):
    class Meta:
        model = Part
        fields = ["part_number", "name", "description", "category", "manufacturer", "manufacturer_part_number",
                  "unit", "unit_cost", "photo"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"photo": CappedImageField}

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and getattr(photo, "size", 0) > PHOTO_MAX_BYTES:
            raise forms.ValidationError(f"The photo is {photo.size // 1024} KB; the limit is "
                                        f"{PHOTO_MAX_BYTES // (1024 * 1024)} MB.")
        return photo


class BomLineForm(forms.ModelForm):
    part = PartNumberField()

    class Meta:
        model = BomLine
        fields = ["part", "quantity", "note"]
