from rest_framework.routers import SimpleRouter

from webhooks import views

router = SimpleRouter(trailing_slash=False)
router.register("events", views.EventViewSet, basename="event")
router.register("webhook_endpoints", views.WebhookEndpointViewSet, basename="webhook-endpoint")

urlpatterns = router.urls
