"""The columns the wallets admins share: links to related rows and to ledger accounts (money columns:
`payments_platform.admin.money_column`, `csv_amount_columns`)."""

from operator import attrgetter

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from ledger.api import Account
from payments_platform.admin import admin_link


def link_column(path: str, description: str, *, text: str | None = None, ordering: str | None = None):
    """A display column: a link to the row's related object at `path` (dotted), labelled by the
    attribute at `text` (dotted) or by the object's public id; "-" when there is none."""
    target, label = attrgetter(path), attrgetter(text) if text else None

    @admin.display(description=description, ordering=ordering)
    def show(self, obj):
        return admin_link(target(obj), label(obj) if label else None)

    return show


def account_links(account: Account):
    """The ledger account's admin page and its statement."""
    return format_html(
        '{} (<a href="{}">statement</a>)',
        admin_link(account, account.code),
        reverse("admin:ledger_account_statement", args=[account.pk]),
    )
