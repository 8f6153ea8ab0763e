"""Category-specific asset attributes: the schema an AssetCategory declares and the validation of
an asset's values against it (shared by the model's clean(), the forms and the API)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from assets.choices import AttributeType

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def validate_schema(schema) -> list[dict]:
    """A list of {key, label, type, required, choices, unit}; raises ValidationError naming the
    entry and the reason. Returns the schema with defaults filled in."""
    if schema in (None, ""):
        return []
    if not isinstance(schema, list):
        raise ValidationError("The attribute schema must be a list of attribute definitions.")
    out, seen = [], set()
    for i, item in enumerate(schema, start=1):
        if not isinstance(item, dict):
            raise ValidationError(f"Attribute {i}: must be an object with at least 'key' and 'type'.")
        key = item.get("key")
        if not isinstance(key, str) or not KEY_RE.match(key):
            raise ValidationError(f"Attribute {i}: key {key!r} must start with a letter and use a-z, 0-9 and _.")
        if key in seen:
            raise ValidationError(f"Attribute {i}: key {key!r} is defined twice.")
        seen.add(key)
        kind = item.get("type", AttributeType.TEXT)
        if kind not in AttributeType.values:
            raise ValidationError(f"Attribute {key!r}: type {kind!r} is not one of {', '.join(AttributeType.values)}.")
        choices = item.get("choices") or []
        if kind == AttributeType.CHOICE and (not isinstance(choices, list) or not choices
                                            or not all(isinstance(c, str) and c for c in choices)):
            raise ValidationError(f"Attribute {key!r}: a choice attribute needs a non-empty list of choices.")
        out.append({"key": key, "label": str(item.get("label") or key.replace("_", " ").capitalize()),
                    "type": kind, "required": bool(item.get("required", False)),
                    "choices": list(choices) if kind == AttributeType.CHOICE else [],
                    "unit": str(item.get("unit") or "")})
    return out


def coerce_value(definition: dict, value):
    """The JSON-storable value of one attribute, or ValidationError with the reason."""
    kind = definition["type"]
    if isinstance(value, str):
        value = value.strip()
    if kind == AttributeType.TEXT:
        return str(value)
    if kind in (AttributeType.NUMBER, AttributeType.INTEGER):
        if isinstance(value, bool):
            raise ValidationError("must be a number.")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValidationError(f"{value!r} is not a number.") from None
        if not number.is_finite():
            raise ValidationError("must be a finite number.")
        if kind == AttributeType.INTEGER:
            if number != number.to_integral_value():
                raise ValidationError(f"{value!r} is not a whole number.")
            return int(number)
        return float(number)
    if kind == AttributeType.BOOLEAN:
        if isinstance(value, bool):
            return value
        text = str(value).lower()
        if text in ("true", "yes", "1", "on"):
            return True
        if text in ("false", "no", "0", "off"):
            return False
        raise ValidationError(f"{value!r} is not yes or no.")
    if kind == AttributeType.DATE:
        if isinstance(value, datetime.date):
            return value.isoformat()
        try:
            return datetime.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValidationError(f"{value!r} is not a date (YYYY-MM-DD).") from None
    if kind == AttributeType.CHOICE:
        if value not in definition["choices"]:
            raise ValidationError(f"{value!r} is not one of {', '.join(definition['choices'])}.")
        return value
    raise ValidationError(f"unknown attribute type {kind!r}.")  # pragma: no cover - schema is validated


def clean_values(schema: list[dict], values) -> dict:
    """Values checked against the schema (required, type, choices; unknown keys refused).
    Raises ValidationError({"attributes": [...]}) with one message per bad attribute."""
    if values in (None, ""):
        values = {}
    if not isinstance(values, dict):
        raise ValidationError({"attributes": "Attributes must be an object of key: value."})
    definitions = {d["key"]: d for d in schema}
    errors, cleaned = [], {}
    for key in values:
        if key not in definitions:
            known = ", ".join(definitions) or "none"
            errors.append(f"{key}: not an attribute of this category (known: {known}).")
    for key, definition in definitions.items():
        value = values.get(key)
        if value is None or value == "":
            if definition["required"]:
                errors.append(f"{definition['label']}: this attribute is required for this category.")
            continue
        try:
            cleaned[key] = coerce_value(definition, value)
        except ValidationError as exc:
            errors.append(f"{definition['label']}: {exc.messages[0]}")
    if errors:
        raise ValidationError({"attributes": errors})
    return cleaned
