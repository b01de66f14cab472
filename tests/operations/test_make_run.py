"""`make serve` (what `make run` ends in): honcho runs web, worker, relay and scheduler together.

One Ctrl-C (SIGINT to the terminal's process group) stops all four; when one of them dies, honcho
stops the others and the run ends. Transactional: the processes only see committed rows.
"""

import os
import re
import signal
import urllib.request
import uuid

import httpx
import pytest

from tests.operations.processes import Process, child_environment, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

PORT = "18610"
PROCESSES = ("web", "worker", "relay", "scheduler")


def serve() -> Process:
    env = child_environment(GUNICORN_WORKERS="1", SCHEDULER_LEADER_RETRY_SECONDS="0.5")
    process = Process(["make", "--no-print-directory", "serve", f"PORT={PORT}"], env=env)
    for name in PROCESSES:
        process.wait_for(f"{name}.1 started")
    process.wait_for('"scheduler_leading"')
    process.wait_for("Webhook worker:")
    process.wait_for('"relay_idle"')  # no NATS_URL in this test: the relay waits instead of exiting
    return process


def health() -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}/health", headers={"Host": "localhost"})
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - a local test server
        return response.status


def pids(process: Process) -> dict[str, int]:
    return {name: int(pid) for name, pid in re.findall(r"(\w+)\.1 started \(pid=(\d+)\)", process.output())}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_everything(process: Process) -> None:
    """Cleanup: honcho starts each process in a session of its own, so kill those groups too."""
    for pid in pids(process).values():
        if alive(pid):
            os.killpg(pid, signal.SIGKILL)
    process.stop()


def test_make_serve_runs_the_api_the_worker_the_relay_and_the_scheduler_and_ctrl_c_stops_them_all():
    process = serve()
    try:
        wait_until(_answers)
        assert health() == 200

        process.signal_group(signal.SIGINT)
        process.wait()

        assert not process.group_alive()
        for name in PROCESSES:
            assert f"{name}.1 stopped" in process.output()
        assert not any(alive(pid) for pid in pids(process).values())
    finally:
        stop_everything(process)


def test_when_one_process_dies_the_run_stops_and_says_which():
    process = serve()
    try:
        worker = pids(process)["worker"]

        os.kill(worker, signal.SIGKILL)
        status = process.wait()

        assert status != 0
        assert "worker.1 stopped (rc=-9)" in process.output()
        assert not process.group_alive()
        assert not any(alive(pid) for pid in pids(process).values())
    finally:
        stop_everything(process)


def test_the_schedulers_processor_notifications_reach_the_api_it_runs_beside():
    """honcho gives each process its own PORT; the simulated processor must still post to the API's."""
    process = serve()
    try:
        wait_until(_answers)
        api = httpx.Client(base_url=f"http://127.0.0.1:{PORT}", headers={"Host": "localhost"}, timeout=30)
        token = _signed_up(api)
        wallet = _post(api, "/v1/wallets", {"currency": "usd"}, token)["id"]
        card = {"number": "4000000000000259", "exp_month": 12, "exp_year": 2040, "cvc": "123"}
        method = _post(api, "/v1/payment_methods", {"type": "card", "card": card}, token)["id"]
        intent = {"amount": 5_000, "currency": "usd", "wallet": wallet, "payment_method": method, "confirm": True}
        payment = _post(api, "/v1/payment_intents", intent, token)

        wait_until(lambda: _disputes(api, token), poll=1)

        [dispute] = _disputes(api, token)
        assert dispute["payment_intent"] == payment["id"]
        assert dispute["status"] == "needs_response"
    finally:
        stop_everything(process)


def _post(api: httpx.Client, path: str, body: dict, token: str | None = None) -> dict:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = api.post(path, json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    return response.json()["data"]


def _signed_up(api: httpx.Client) -> str:
    login = {"email": f"serve-{uuid.uuid4().hex[:8]}@example.com", "password": "Correct-horse-battery-9"}
    _post(api, "/v1/auth/register", login)
    return _post(api, "/v1/auth/token", login)["access"]


def _disputes(api: httpx.Client, token: str) -> list[dict]:
    response = api.get("/v1/disputes", headers={"Authorization": f"Bearer {token}"})
    return response.json()["data"]["data"]


def _answers() -> bool:
    try:
        return health() == 200
    except OSError:
        return False
