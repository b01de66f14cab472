from django.urls import path
from rest_framework.routers import SimpleRouter

from payments.rest import dispute_views, views

router = SimpleRouter(trailing_slash=False)
router.register("payment_methods", views.PaymentMethodViewSet, basename="payment_method")
router.register("payment_intents", views.PaymentIntentViewSet, basename="payment_intent")
router.register("refunds", views.RefundViewSet, basename="refund")

# Disputes: POST /v1/disputes/{id} updates one (Stripe's shape), hence the explicit detail route.
_dispute_detail = dispute_views.DisputeViewSet.as_view(
    {"get": "retrieve", "post": "update_dispute"}, basename="dispute"
)
router.register("disputes", dispute_views.DisputeViewSet, basename="dispute")

urlpatterns = [
    path("disputes/<str:pk>", _dispute_detail, name="dispute-detail-update"),
    path(
        "connectors/<str:connector>/notifications",
        dispute_views.ConnectorNotificationView.as_view(),
        name="connector-notifications",
    ),
    *router.urls,
]
