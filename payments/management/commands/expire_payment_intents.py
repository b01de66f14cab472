from django.core.management.base import BaseCommand

from payments.services import payment_intents_expire
from payments.services.authentication import authentication_expire


class Command(BaseCommand):
    help = (
        "Cancel (void at the connector) payment intents left uncaptured (requires_capture) for over 7 days, "
        "and expire 3-D Secure pages left unanswered for 10 minutes (their intents fail authentication)."
    )

    def handle(self, *args, **options):
        canceled, failed = payment_intents_expire()
        self.stdout.write(f"Canceled {canceled} expired payment intent(s); {failed} could not be voided.")
        expired = authentication_expire()
        self.stdout.write(f"Expired {expired} unanswered 3-D Secure page(s).")
