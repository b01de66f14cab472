#!/usr/bin/env bash
# Start-up figures of the README: a fresh clone to /health answering (venv and install included,
# so it needs the package registry), then two more starts. With NETNS set (an `ip netns` whose
# loopback is up, nothing listening), the later starts run inside it. URLs unset throughout, so
# `make run` uses its embedded servers. Ends each `make run` with a Ctrl-C (SIGINT to its group).
#
#   sudo ip netns add ppns && sudo ip netns exec ppns ip link set lo up
#   NETNS=ppns bash scripts/measure_startup.sh
set -u
SOURCE=$(cd "$(dirname "$0")/.." && pwd)
CLONE=${CLONE:-/tmp/pp-startup-clone}
PORT=${PORT:-18102}
rm -rf "$CLONE"
git clone -q "$SOURCE" "$CLONE"
cd "$CLONE" || exit 1
measure() {  # label, prefix...
  local label=$1 start end pid
  shift
  start=$(date +%s.%N)
  setsid "$@" env -u DATABASE_URL -u REDIS_URL -u NATS_URL make run PORT="$PORT" > "$CLONE/$label.log" 2>&1 &
  pid=$!
  until "$@" curl -sf "http://127.0.0.1:$PORT/health" > /dev/null; do
    sleep 0.1
    if ! kill -0 "$pid" 2> /dev/null; then
      echo "$label: make run exited early; see $CLONE/$label.log"
      return 1
    fi
  done
  end=$(date +%s.%N)
  echo "$label: /health answered after $(echo "$end - $start" | bc) s"
  kill -INT -- "-$pid"
  wait "$pid"
}
in_netns=()
if [ -n "${NETNS:-}" ]; then in_netns=(ip netns exec "$NETNS"); fi
measure fresh-clone-with-install
measure second-start "${in_netns[@]}"
measure third-start "${in_netns[@]}"
