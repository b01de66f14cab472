"""A test-only URL map: the real routes plus small views that exercise the plumbing.

Tests opt in with the `test_urls` fixture (`settings.ROOT_URLCONF`). The views import no
app (the layering contract forbids payments_platform -> accounts), so they reach the
user and audit-log models through Django's app registry.
"""

import logging
import time
import uuid

import structlog
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import path
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from payments_platform.api.views import PlatformAPIView, PlatformViewSet
from payments_platform.urls import handler404, handler500  # noqa: F401 - Django reads them from ROOT_URLCONF
from payments_platform.urls import urlpatterns as real_urlpatterns

EFFECT_ACTION = "test.effect"


class CrashView(PlatformAPIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("SELECT card_number FROM secrets WHERE password = 'hunter2'")


def plain_django_crash(request):
    raise RuntimeError("SELECT card_number FROM secrets WHERE password = 'hunter2'")


class ThrottledView(PlatformAPIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise Throttled(wait=7)


class ForbiddenView(PlatformAPIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise PermissionDenied()


class NestedInput(serializers.Serializer):
    card = serializers.DictField(child=serializers.IntegerField())


class NestedValidationView(PlatformAPIView):
    permission_classes = [AllowAny]

    def post(self, request):
        NestedInput(data=request.data).is_valid(raise_exception=True)
        return Response({})


class LogView(PlatformAPIView):
    """Logs one structlog line and one standard-library line."""

    permission_classes = [AllowAny]

    def get(self, request):
        structlog.get_logger("tests.structlog").info("structlog_line")
        logging.getLogger("tests.stdlib").warning("stdlib line")
        return Response({})


class EffectInput(serializers.Serializer):
    note = serializers.CharField(max_length=100)
    delay = serializers.FloatField(required=False, default=0)


class EffectView(PlatformAPIView):
    """POST: writes one audit-log row (the effect) and returns 201 with a fresh random token.

    `note: "crash"` writes the row and then crashes; `delay` holds the transaction open.
    """

    def post(self, request):
        data = EffectInput(data=request.data)
        data.is_valid(raise_exception=True)
        token = uuid.uuid4().hex
        entries = apps.get_model("accounts", "AuditLogEntry").objects
        entries.create(action=EFFECT_ACTION, actor=request.user, object_id=token)
        time.sleep(data.validated_data["delay"])
        if data.validated_data["note"] == "crash":
            raise RuntimeError("crashed after the effect")
        return Response(
            {
                "token": token,
                "note": data.validated_data["note"],
                "effects": entries.filter(action=EFFECT_ACTION).count(),
            },
            status=201,
        )


class PhasedEffectView(EffectView):
    """The same effect in the phased idempotency mode: it commits on its own, like a view that
    records a pending connector attempt before calling out."""

    idempotency_mode = "phased"

    def post(self, request):
        with transaction.atomic():
            return super().post(request)


class UserRow(serializers.Serializer):
    id = serializers.CharField(source="public_id")


class UserListViewSet(PlatformViewSet):
    def list(self, request):
        return self.list_response(get_user_model().objects.all(), UserRow)


urlpatterns = [
    path("v1/test/crash", CrashView.as_view()),
    path("v1/test/plain-crash", plain_django_crash),
    path("v1/test/throttled", ThrottledView.as_view()),
    path("v1/test/forbidden", ForbiddenView.as_view()),
    path("v1/test/nested", NestedValidationView.as_view()),
    path("v1/test/log", LogView.as_view()),
    path("v1/test/effects", EffectView.as_view()),
    path("v1/test/effects/other", EffectView.as_view()),
    path("v1/test/phased-effects", PhasedEffectView.as_view()),
    path("v1/test/users", UserListViewSet.as_view({"get": "list"})),
    *real_urlpatterns,
]
