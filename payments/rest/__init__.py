"""The payments REST API: input and output serializers and thin views, for payment methods,
intents and refunds (`serializers`, `views`) and disputes (`dispute_serializers`, `dispute_views`).
Routed by `payments.urls`."""
