"""The admin overview: today's and this week's volumes per currency, open reviews, the webhook
backlog and relay lag, the last `reconcile_ledger` run and the last run of each scheduled job.
Read-only; a handful of aggregate queries (each on an indexed or small range), so the admin index
stays fast.

Days and weeks are calendar days in `TIME_ZONE`; a week starts on Monday.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from fraud.api import Review
from ledger.api import ReconciliationRun
from payments.api import PaymentIntent, Refund
from payments_platform.money import exponent, format_amount
from payments_platform.selectors import job_last_runs
from wallets.api import Payout, Transfer
from webhooks.api import delivery_backlog, relay_lag

# What a volume counts: the rows of each kind that moved money, by the moment they did.
VOLUME_SOURCES = {
    "payments": (PaymentIntent.objects.filter(status=PaymentIntent.Status.SUCCEEDED), "captured_at", "amount_received"),
    "transfers": (Transfer.objects.all(), "created", "amount"),
    "refunds": (Refund.objects.filter(status=Refund.Status.SUCCEEDED), "created", "amount"),
    "payouts": (Payout.objects.exclude(status=Payout.Status.FAILED), "created", "amount"),
}


@dataclass(frozen=True)
class Volume:
    kind: str
    currency: str
    count: int
    amount: int

    @property
    def display(self) -> str:
        return f"{format_amount(self.amount, self.currency)} {self.currency.upper()}"


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def volumes_since(since: dt.datetime) -> list[Volume]:
    """Per kind and currency: how many moved money since `since`, and how much (minor units)."""
    rows = []
    for kind, (queryset, moment, amount) in VOLUME_SOURCES.items():
        grouped = (
            queryset.filter(**{f"{moment}__gte": since})
            .values("currency")
            .annotate(count=Count("pk"), total=Sum(amount))
            .order_by("currency")
        )
        rows += [Volume(kind, row["currency"], row["count"], row["total"] or 0) for row in grouped]
    return rows


def daily_series(days: int = 7) -> dict:
    """For the chart: per currency, the payments and transfers volume of each of the last `days` days,
    in major units (display only: 359.72 for 35972 cents)."""
    today = timezone.localdate()
    labels = [today - dt.timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    since = _start_of(labels[0])
    series: dict[str, dict[str, list[int]]] = {}
    for kind in ("payments", "transfers"):
        queryset, moment, amount = VOLUME_SOURCES[kind]
        grouped = (
            queryset.filter(**{f"{moment}__gte": since})
            .annotate(day=TruncDate(moment))
            .values("currency", "day")
            .annotate(total=Sum(amount))
        )
        for row in grouped:
            per_kind = series.setdefault(row["currency"], {"payments": [0] * days, "transfers": [0] * days})
            if row["day"] in labels:
                per_kind[kind][labels.index(row["day"])] = (row["total"] or 0) / 10 ** exponent(row["currency"])
    return {"labels": [day.isoformat() for day in labels], "currencies": series}


def open_reviews() -> dict:
    row = Review.objects.filter(status=Review.Status.OPEN).aggregate(count=Count("pk"), oldest=Min("created"))
    by_type = dict(
        Review.objects.filter(status=Review.Status.OPEN)
        .values_list("object_type")
        .annotate(n=Count("pk"))
        .order_by("object_type")
    )
    age = (timezone.now() - row["oldest"]).total_seconds() if row["oldest"] else None
    return {"count": row["count"], "oldest_age_seconds": age, "by_type": by_type}


def overview() -> dict:
    today = timezone.localdate()
    week_start = today - dt.timedelta(days=today.weekday())
    last_run = ReconciliationRun.objects.order_by("-started", "-id").first()
    return {
        "now": timezone.localtime(),
        "today": volumes_since(_start_of(today)),
        "week": volumes_since(_start_of(week_start)),
        "week_start": week_start,
        "series": daily_series(),
        "reviews": open_reviews(),
        "backlog": delivery_backlog(),
        "relay": relay_lag(),
        "last_reconciliation": last_run,
        "jobs": sorted(job_last_runs().values(), key=lambda run: run.job),
    }
