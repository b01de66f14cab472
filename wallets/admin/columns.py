"""The columns the wallets admins share: money in its currency, links to related rows, CSV amounts."""

from operator import attrgetter

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from ledger.api import Account
from payments_platform.admin import admin_link
from payments_platform.money import format_amount, money_html


def money_column(field: str, description: str):
    """A display column: the row's `field` (minor units) formatted in the row's currency."""

    @admin.display(description=description, ordering=field)
    def show(self, obj):
        return money_html(getattr(obj, field), obj.currency)

    return show


def link_column(path: str, description: str, *, text: str | None = None, ordering: str | None = None):
    """A display column: a link to the row's related object at `path` (dotted), labelled by the
    attribute at `text` (dotted) or by the object's public id; "-" when there is none."""
    target, label = attrgetter(path), attrgetter(text) if text else None

    @admin.display(description=description, ordering=ordering)
    def show(self, obj):
        return admin_link(target(obj), label(obj) if label else None)

    return show


def csv_amount_columns(field: str = "amount"):
    """The two CSV columns of a money field: `<field>_minor` (minor units) and `<field>` (formatted)."""
    return [
        (f"{field}_minor", attrgetter(field)),
        (field, lambda row: format_amount(getattr(row, field), row.currency)),
    ]


def account_links(account: Account):
    """The ledger account's admin page and its statement."""
    return format_html(
        '{} (<a href="{}">statement</a>)',
        admin_link(account, account.code),
        reverse("admin:ledger_account_statement", args=[account.pk]),
    )
