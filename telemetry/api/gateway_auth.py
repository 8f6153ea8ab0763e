"""Authentication of plant gateways by API key (``Authorization: Gateway <key>``).

A gateway acts as a principal of its own: it may add readings for the sensors of its site and
nothing else. Only a hash of the key is kept (``Gateway.hash_key``)."""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from telemetry.models import Gateway

KEYWORD = "Gateway"
GATEWAY_PERMS = frozenset({"telemetry.add_reading", "telemetry.view_sensor"})


class GatewayPrincipal:
    """What ``request.user`` is for a gateway: scoped to the gateway's site, ingestion only."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    sees_all_sites = False

    def __init__(self, gateway: Gateway):
        self.gateway = gateway
        self.pk = self.id = f"gateway-{gateway.pk}"
        self.site_ids = [gateway.site_id]

    def __str__(self) -> str:
        return f"gateway {self.gateway.name}"

    def has_perm(self, perm, obj=None) -> bool:
        return perm in GATEWAY_PERMS

    def has_perms(self, perms, obj=None) -> bool:
        return all(self.has_perm(p) for p in perms)


class GatewayKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace") != KEYWORD:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Give the gateway key as 'Gateway <key>'.")
        key = header[1].decode(errors="replace")
        prefix = key.split(".", 1)[0]
        gateway = Gateway.objects.filter(key_prefix=prefix, is_active=True).first()
        if gateway is None or not hmac.compare_digest(gateway.key_hash, Gateway.hash_key(key)):
            raise exceptions.AuthenticationFailed("Unknown or revoked gateway key.")
        now = timezone.now()
        if gateway.last_seen_at is None or now - gateway.last_seen_at > timedelta(minutes=1):
            Gateway.objects.filter(pk=gateway.pk).update(last_seen_at=now)
        return GatewayPrincipal(gateway), gateway

    def authenticate_header(self, request):
        return KEYWORD


class GatewayKeyScheme(OpenApiAuthenticationExtension):
    """The gateway key in the OpenAPI schema: an ``Authorization: Gateway <key>`` header."""

    target_class = GatewayKeyAuthentication
    name = "gatewayKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": f"Per-gateway API key, sent as '{KEYWORD} <key>'; issued once when the gateway is "
                               "created, stored only as a hash."}
