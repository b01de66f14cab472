"""The payments admin: payment methods, intents, refunds and settlement (`intents`); disputes and
processor notifications (`disputes`). Importing the package registers them all."""

from payments.admin import disputes, intents  # noqa: F401 - registers the model admins
