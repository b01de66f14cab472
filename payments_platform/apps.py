from django.apps import AppConfig


class PaymentsPlatformConfig(AppConfig):
    name = "payments_platform"
    verbose_name = "Platform"
