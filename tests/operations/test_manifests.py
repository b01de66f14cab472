"""The Kubernetes manifests: scripts/check_manifests.sh passes, and every container follows the rules.

The script builds each overlay with `kubectl kustomize`, validates it offline with
`kubernetes-validate --strict`, and scans it with checkov (no failed check). The tests below
read the built overlays for what the issue asks of every container.
"""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
OVERLAYS = sorted(path.name for path in (ROOT / "deploy/kubernetes/overlays").iterdir())
GUNICORN_GRACEFUL_TIMEOUT = 30

pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")


def built(overlay: str) -> list[dict]:
    output = subprocess.run(
        ["kubectl", "kustomize", str(ROOT / "deploy/kubernetes/overlays" / overlay)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [doc for doc in yaml.safe_load_all(output) if doc]


def pod_specs(objects: list[dict]):
    for obj in objects:
        if obj["kind"] in ("Deployment", "Job"):
            yield obj["metadata"]["name"], obj["spec"]["template"]["spec"]


def test_check_manifests_builds_validates_and_scans_every_overlay():
    result = subprocess.run(
        [str(ROOT / "scripts/check_manifests.sh")], capture_output=True, text=True, timeout=1200, check=False
    )

    assert result.returncode == 0, result.stdout + result.stderr
    for overlay in OVERLAYS:
        assert f"kubernetes-validate --strict (Kubernetes 1.33.0) {overlay}: ok" in result.stdout
    assert "Failed checks: 0" in result.stdout or "checkov: skipped" in result.stdout


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_is_non_root_read_only_bounded_and_pinned(overlay):
    for name, spec in pod_specs(built(overlay)):
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in spec.get("initContainers", []) + spec["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, (name, container["name"])
            assert context["readOnlyRootFilesystem"] is True, (name, container["name"])
            assert context["capabilities"]["drop"] == ["ALL"], (name, container["name"])
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), (name, container["name"])
            assert {"cpu", "memory"} <= set(container["resources"]["limits"]), (name, container["name"])
            image, _, tag = container["image"].rpartition(":")
            assert image and tag and tag != "latest", container["image"]
            assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"], name  # noqa: S108 - an emptyDir


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_api_probes_health_and_ready_and_outlasts_gunicorns_graceful_shutdown(overlay):
    [(_, spec)] = [(name, spec) for name, spec in pod_specs(built(overlay)) if name == "payments-api"]
    [api] = spec["containers"]

    assert api["livenessProbe"]["httpGet"]["path"] == "/health"
    assert api["readinessProbe"]["httpGet"]["path"] == "/ready"
    pause = int(api["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert spec["terminationGracePeriodSeconds"] > pause + GUNICORN_GRACEFUL_TIMEOUT
    assert {constraint["topologyKey"] for constraint in spec["topologySpreadConstraints"]} == {
        "topology.kubernetes.io/zone",
        "kubernetes.io/hostname",
    }


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_are_referenced_by_name_and_key_and_none_is_defined(overlay):
    objects = built(overlay)

    assert not [obj for obj in objects if obj["kind"] == "Secret"]
    for _, spec in pod_specs(objects):
        for container in spec.get("initContainers", []) + spec["containers"]:
            for variable in container.get("env", []):
                assert "value" not in variable, variable["name"]
                assert set(variable["valueFrom"]["secretKeyRef"]) <= {"name", "key", "optional"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_deny_everything_by_default(overlay):
    [deny] = [
        obj
        for obj in built(overlay)
        if obj["kind"] == "NetworkPolicy" and obj["metadata"]["name"] == "default-deny-all"
    ]

    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
