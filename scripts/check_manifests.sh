#!/usr/bin/env bash
# Build and check the Kubernetes manifests, offline (CI: .ci/run via tests/operations/test_manifests.py):
#   1. `kubectl kustomize` builds each overlay under deploy/kubernetes/overlays;
#   2. `kubernetes-validate --strict` validates every object against the bundled schemas of
#      Kubernetes $K8S_VERSION (no unknown fields, no cluster needed);
#   3. checkov (a pinned version, run by `uv tool run` in its own environment because its
#      dependencies pin older pytest/packaging than ours) must report no failed check; the
#      few checks skipped are annotated on the objects with the reason.
# Prints the time of each step. Needs kubectl; checkov is skipped with a message when
# CHECKOV=skip or when uv cannot fetch it (no registry); set CHECKOV=require to fail instead.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${BIN:-$ROOT/.venv/bin}"
K8S_VERSION="${K8S_VERSION:-1.33.0}"
CHECKOV_VERSION="${CHECKOV_VERSION:-3.3.30}"
CHECKOV="${CHECKOV:-auto}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

now() { date +%s.%N; }
elapsed() { printf '%.2f' "$(echo "$(now) - $1" | bc)"; }
overlays=()
for dir in "$ROOT"/deploy/kubernetes/overlays/*/; do overlays+=("$(basename "$dir")"); done

start=$(now)
for overlay in "${overlays[@]}"; do
    kubectl kustomize "$ROOT/deploy/kubernetes/overlays/$overlay" > "$OUT/$overlay.yaml"
    echo "kustomize $overlay: $(grep -c '^kind:' "$OUT/$overlay.yaml") objects"
done
echo "build: $(elapsed "$start") s"

start=$(now)
for overlay in "${overlays[@]}"; do
    "$BIN/kubernetes-validate" --strict --quiet -k "$K8S_VERSION" "$OUT/$overlay.yaml"
    echo "kubernetes-validate --strict (Kubernetes $K8S_VERSION) $overlay: ok"
done
echo "validate: $(elapsed "$start") s"

if [[ "$CHECKOV" == "skip" ]]; then
    echo "checkov: skipped (CHECKOV=skip)"
    exit 0
fi
start=$(now)
checkov=("$BIN/uv" tool run --quiet --from "checkov==$CHECKOV_VERSION" checkov)
if ! "${checkov[@]}" --version > /dev/null 2>&1; then
    if [[ "$CHECKOV" == "require" ]]; then echo "checkov: cannot be installed" >&2; exit 1; fi
    echo "checkov: skipped (checkov==$CHECKOV_VERSION cannot be installed here)"
    exit 0
fi
files=()
for overlay in "${overlays[@]}"; do files+=(-f "$OUT/$overlay.yaml"); done
if ! "${checkov[@]}" --compact --skip-download --framework kubernetes "${files[@]}" > "$OUT/checkov.txt" 2>&1; then
    cat "$OUT/checkov.txt"
    echo "checkov: FAILED" >&2
    exit 1
fi
grep -E "^Passed checks" "$OUT/checkov.txt" | sed 's/^/checkov: /'
awk '/^Check: /{check=$2} /SKIPPED for resource/{count[check]++} END{for (c in count) print "  skipped " c " on " count[c] " objects (the reason is annotated on each)"}' "$OUT/checkov.txt" | sort
echo "checkov: $(elapsed "$start") s"
