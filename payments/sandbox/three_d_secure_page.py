"""The simulator's hosted 3-D Secure page: what an issuer's access control server shows the cardholder.

Plain Django views (HTML, no JavaScript, outside `/v1/`): `GET /simulator/3ds/<3ds_…>?token=…`
shows one `<form method="post">` with its CSRF field and two submit buttons `result=complete` and
`result=fail`; the POST answers the session (`payments.services.authentication`) and redirects
with 303 to the intent's `return_url` with `?payment_intent=pi_…`, or shows a result page when
there is none. Unknown address or wrong token: 404; used, expired or abandoned page: 410; a
missing or wrong CSRF token: 403, each with a page that says so.
"""

from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import structlog
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.urls import path
from django.utils.decorators import decorator_from_middleware
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ledger.api import currency_exponent
from payments.services.authentication import (
    PageGone,
    PageMissing,
    authentication_complete,
    authentication_fail,
    authentication_page_get,
)
from payments_platform.middleware import request_id_of

logger = structlog.get_logger(__name__)

TEMPLATE_DIR = "payments/simulator_3ds"


class _PageCsrf(CsrfViewMiddleware):
    """Django's CSRF check, answering a failure with this page's own 403 (the project-wide
    CSRF_FAILURE_VIEW stays as it is for the admin)."""

    def _reject(self, request, reason):
        logger.warning("three_d_secure_csrf_rejected", reason=reason)
        return _page(request, "forbidden.html", status=403)


_csrf_protect = decorator_from_middleware(_PageCsrf)


def _page(request: HttpRequest, template: str, *, status: int = 200, **context) -> HttpResponse:
    response = render(request, f"{TEMPLATE_DIR}/{template}", context, status=status)
    response["Cache-Control"] = "no-store"
    # The address holds the page's token: never sent as a Referer to another site (the return_url).
    # Not "no-referrer": Chromium then posts the form with "Origin: null", which CSRF rightly refuses.
    response["Referrer-Policy"] = "same-origin"
    return response


def _money(intent) -> str:
    """100.00 USD, 500 JPY: the amount with its currency's exponent, as the cardholder reads it."""
    exponent = currency_exponent(intent.currency)
    return f"{Decimal(intent.amount).scaleb(-exponent):.{exponent}f} {intent.currency.upper()}"


def _with_payment_intent(return_url: str, payment_intent: str) -> str:
    parts = urlsplit(return_url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), ("payment_intent", payment_intent)]
    return urlunsplit(parts._replace(query=urlencode(query)))


@never_cache
@require_http_methods(["GET", "POST"])
def _authentication_page(request: HttpRequest, session_id: str) -> HttpResponse:
    token = request.GET.get("token", "")
    try:
        if request.method == "GET":
            session = authentication_page_get(session_id=session_id, token=token)
            intent = session.intent
            return _page(request, "challenge.html", session=session, intent=intent, amount=_money(intent))
        result = request.POST.get("result")
        if result not in ("complete", "fail"):
            authentication_page_get(session_id=session_id, token=token)  # 404 / 410 first
            return _page(request, "bad_request.html", status=400)
        answer = authentication_complete if result == "complete" else authentication_fail
        outcome = answer(session_id=session_id, token=token, request_id=request_id_of(request))
    except PageMissing:
        return _page(request, "missing.html", status=404)
    except PageGone as gone:
        return _page(request, "gone.html", status=410, session=gone.session)
    if outcome.return_url:
        response = HttpResponseRedirect(_with_payment_intent(outcome.return_url, outcome.intent.public_id))
        response.status_code = 303
        response["Referrer-Policy"] = "same-origin"
        return response
    return _page(request, "result.html", intent=outcome.intent)


authentication_page = _csrf_protect(_authentication_page)
authentication_page.csrf_exempt = True  # the project-wide middleware steps aside: _PageCsrf checks instead

urlpatterns = [path("<str:session_id>", authentication_page, name="three_d_secure_page")]
