from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"

    def ready(self) -> None:
        from ledger.currencies import currency_exponent
        from payments_platform.money import register_exponent_lookup

        register_exponent_lookup(currency_exponent)
