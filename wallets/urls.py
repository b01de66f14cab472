from rest_framework.routers import SimpleRouter

from wallets import views

router = SimpleRouter(trailing_slash=False)
router.register("wallets", views.WalletViewSet, basename="wallet")
router.register("transfers", views.TransferViewSet, basename="transfer")
router.register("payouts", views.PayoutViewSet, basename="payout")

urlpatterns = router.urls
