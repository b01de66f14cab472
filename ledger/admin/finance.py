"""Finance views: the trial balance per currency as of a date, and an account's statement for a period.

Both are plain admin pages (`AccountAdmin.get_urls`), read-only, with money in its currency's
exponent and code and the minor units in each figure's tooltip. Dates are calendar days in the
server's time zone (`TIME_ZONE`): "as of 2026-12-01" counts everything posted before the end of that day.
"""

import datetime as dt

from django import forms
from django.contrib import admin
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone

from ledger.currencies import supported_currencies
from ledger.models import Account
from ledger.selectors import account_period_statement, trial_balance_as_of


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class TrialBalanceForm(forms.Form):
    currency = forms.ChoiceField(choices=())
    as_of = forms.DateField(label="as of (end of day)", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        used = set(Account.objects.values_list("currency", flat=True).distinct())
        codes = sorted(set(supported_currencies()) | used)
        self.fields["currency"].choices = [(code, code.upper()) for code in codes]


def trial_balance_view(request):
    today = timezone.localdate()
    form = TrialBalanceForm(request.GET or {"currency": "usd", "as_of": today.isoformat()})
    balance = as_of = None
    if form.is_valid():
        as_of = form.cleaned_data["as_of"]
        balance = trial_balance_as_of(
            currency=form.cleaned_data["currency"], as_of=_day_start(as_of + dt.timedelta(days=1))
        )
    context = {
        **admin.site.each_context(request),
        "title": "Trial balance",
        "form": form,
        "balance": balance,
        "as_of_day": as_of,
        "opts": Account._meta,
    }
    return TemplateResponse(request, "admin/ledger/trial_balance.html", context)


class StatementForm(forms.Form):
    start = forms.DateField(label="from", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="to (inclusive)", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError("The end date is before the start date.")
        return data


def account_statement_view(request, pk: int):
    account = get_object_or_404(Account, pk=pk)
    today = timezone.localdate()
    form = StatementForm(request.GET or {"start": (today - dt.timedelta(days=30)).isoformat(), "end": today})
    statement = None
    if form.is_valid():
        statement = account_period_statement(
            account=account,
            start=_day_start(form.cleaned_data["start"]),
            end=_day_start(form.cleaned_data["end"] + dt.timedelta(days=1)),
        )
    context = {
        **admin.site.each_context(request),
        "title": f"Statement of {account.code}",
        "account": account,
        "form": form,
        "statement": statement,
        "opts": Account._meta,
    }
    return TemplateResponse(request, "admin/ledger/statement.html", context)
