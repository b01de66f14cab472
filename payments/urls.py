from rest_framework.routers import SimpleRouter

from payments import views

router = SimpleRouter(trailing_slash=False)
router.register("payment_methods", views.PaymentMethodViewSet, basename="payment_method")
router.register("payment_intents", views.PaymentIntentViewSet, basename="payment_intent")
router.register("refunds", views.RefundViewSet, basename="refund")

urlpatterns = router.urls
