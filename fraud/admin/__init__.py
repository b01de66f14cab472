"""The fraud admin: screens (rules, lists, models, feature log) and the review pages analysts decide on."""

from fraud.admin import reviews, screens  # noqa: F401 - registers the model admins
