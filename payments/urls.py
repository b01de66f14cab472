from django.urls import path
from rest_framework.routers import SimpleRouter

from payments import views, views_disputes

router = SimpleRouter(trailing_slash=False)
router.register("payment_methods", views.PaymentMethodViewSet, basename="payment_method")
router.register("payment_intents", views.PaymentIntentViewSet, basename="payment_intent")
router.register("refunds", views.RefundViewSet, basename="refund")

# Disputes: POST /v1/disputes/{id} updates one (Stripe's shape), hence the explicit detail route.
_dispute_detail = views_disputes.DisputeViewSet.as_view(
    {"get": "retrieve", "post": "update_dispute"}, basename="dispute"
)
router.register("disputes", views_disputes.DisputeViewSet, basename="dispute")

urlpatterns = [
    path("disputes/<str:pk>", _dispute_detail, name="dispute-detail-update"),
    path(
        "connectors/<str:connector>/notifications",
        views_disputes.ConnectorNotificationView.as_view(),
        name="connector-notifications",
    ),
    *router.urls,
]
