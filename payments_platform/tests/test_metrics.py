"""GET /metrics: the token, the text format, and the per-route request counters and latencies."""

import pytest
from prometheus_client import REGISTRY

from payments_platform.observability import metrics
from payments_platform.observability.metrics import route_label

pytestmark = pytest.mark.django_db

TOKEN = "metrics-test-token-0123456789"


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(client, token=TOKEN):
    return client.get("/metrics", headers={"Authorization": f"Bearer {token}"})


def test_metrics_is_a_404_when_metrics_token_is_unset(api_client, settings):
    settings.METRICS_TOKEN = ""

    assert scrape(api_client, token="anything").status_code == 404


def test_metrics_is_a_401_without_an_authorization_header(api_client, metrics_token):
    response = api_client.get("/metrics")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_metrics_is_a_401_with_a_wrong_token(api_client, metrics_token):
    assert scrape(api_client, token="not-the-token").status_code == 401


def test_metrics_serves_the_prometheus_text_format_without_the_envelope(api_client, metrics_token):
    response = scrape(api_client)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    body = response.content.decode()
    assert "# TYPE http_requests_total counter" in body
    assert '"success"' not in body


def test_a_request_is_counted_under_its_url_pattern_and_status(auth_client, metrics_token):
    before = sample("http_requests_total", route="/v1/transfers/{pk}", method="GET", status="404")

    auth_client.get("/v1/transfers/tr_doesnotexist")

    assert sample("http_requests_total", route="/v1/transfers/{pk}", method="GET", status="404") == before + 1


def test_a_request_is_observed_by_the_latency_histogram_of_its_route(api_client):
    before = sample("http_request_duration_seconds_count", route="/health", method="GET")

    api_client.get("/health")

    assert sample("http_request_duration_seconds_count", route="/health", method="GET") == before + 1


def test_an_unknown_api_path_is_counted_as_unmatched_not_as_its_raw_path(api_client):
    before = sample("http_requests_total", route="unmatched", method="GET", status="404")

    api_client.get("/v1/no-such-thing/12345")

    assert sample("http_requests_total", route="unmatched", method="GET", status="404") == before + 1


def test_an_unknown_http_method_is_counted_as_other(api_client):
    before = sample("http_requests_total", route="/health", method="other", status="405")

    api_client.generic("BREW", "/health")

    assert sample("http_requests_total", route="/health", method="other", status="405") == before + 1


@pytest.mark.parametrize(
    ("route", "label"),
    [
        ("v1/transfers$", "/v1/transfers"),
        ("v1/payment_intents/(?P<pk>[A-Za-z0-9_]+)/confirm$", "/v1/payment_intents/{pk}/confirm"),
        ("v1/wallets/<str:pk>/transactions", "/v1/wallets/{pk}/transactions"),
        ("health", "/health"),
        ("^v1(?:/.*)?$", "unmatched"),
        (None, "unmatched"),
    ],
)
def test_route_label_is_the_url_pattern_with_named_parameters(route, label):
    assert route_label(route) == label


def test_metrics_lists_the_scrape_time_gauges(api_client, metrics_token):
    body = scrape(api_client).content.decode()

    for name in (
        "payments_webhook_backlog_deliveries",
        "payments_webhook_backlog_oldest_age_seconds",
        "payments_relay_lag_events",
        "payments_relay_lag_oldest_age_seconds",
        "payments_connector_circuit_open",
    ):
        assert f"# TYPE {name} gauge" in body


def test_a_second_request_on_a_route_reuses_its_bound_children_and_still_counts(api_client):
    api_client.get("/health")
    bound = dict(metrics._request_children)
    before = sample("http_requests_total", route="/health", method="GET", status="200")

    api_client.get("/health")

    assert metrics._request_children == bound
    assert sample("http_requests_total", route="/health", method="GET", status="200") == before + 1


def test_requests_with_unknown_methods_bind_no_children(api_client):
    api_client.generic("BREW", "/health")

    assert not [key for key in metrics._request_children if key[1] == "BREW"]
