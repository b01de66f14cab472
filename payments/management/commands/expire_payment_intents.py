from django.core.management.base import BaseCommand

from payments.services import payment_intents_expire


class Command(BaseCommand):
    help = "Cancel (void at the connector) payment intents left uncaptured (requires_capture) for over 7 days."

    def handle(self, *args, **options):
        canceled, failed = payment_intents_expire()
        self.stdout.write(f"Canceled {canceled} expired payment intent(s); {failed} could not be voided.")
