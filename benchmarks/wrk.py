"""wrk (Debian's `wrk` package, C and epoll) as the HTTP load generator of the API benchmarks.

Issue 16's figures were measured with wrk at 16 connections. A load generator written in Python
(threads with one httpx client each, `support.drive_requests(load="python")`) spends most of a
core of a 2-core machine on itself: measured during `api_transfers.py`, the client took 0.78 cores against 0.61
for the five gunicorn workers and 0.48 for PostgreSQL. Its cost per request is about the same for
`/health` as for a transfer, so it shrinks the fast path more than the slow one and distorts the
ratio the goals are written in. wrk costs a few per cent of a core for the same load.

`wrk_run` sends the requests of a list, in order and round the list, from `connections`
keep-alive connections: each wrk thread starts at its own place in it. A Lua script (below)
formats every request once, counts the answers by status, and prints one JSON line at the end.
"""

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from benchmarks.support import LoadResult, Request

SCRIPT = r"""
local threads = {}
local formatted = {}
local position = 1
statuses = {}

function setup(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1]))
  for line in file:lines() do
    local method, path, token, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = {}
    if token ~= "" then headers["Authorization"] = "Bearer " .. token end
    if body ~= "" then headers["Content-Type"] = "application/json" else body = nil end
    formatted[#formatted + 1] = wrk.format(method, path, headers, body)
  end
  file:close()
  position = (offset * 7919) % #formatted + 1
end

function request()
  local formatted_request = formatted[position]
  position = position % #formatted + 1
  return formatted_request
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(counts) do parts[#parts + 1] = string.format('"%d": %d', status, count) end
  local errors = summary.errors
  io.write(string.format(
    '\nWRK-JSON {"duration_us": %d, "requests": %d, "statuses": {%s}, "p50_us": %d, "p99_us": %d, ' ..
    '"mean_us": %f, "errors": %d}\n',
    summary.duration, summary.requests, table.concat(parts, ", "), latency:percentile(50),
    latency:percentile(99), latency.mean,
    errors.connect + errors.read + errors.write + errors.timeout))
end
"""


def wrk_run(
    base_url: str, requests: list[Request], *, connections: int, seconds: float, threads: int = 2
) -> LoadResult:
    """Run wrk against `base_url` for `seconds` with `connections` connections; see the module's docstring."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (or pass --load python)")
    with tempfile.TemporaryDirectory() as directory:
        script = Path(directory) / "requests.lua"
        script.write_text(SCRIPT)
        listing = Path(directory) / "requests.tsv"
        listing.write_text(
            "".join(f"{r.method}\t{r.path}\t{r.token}\t{r.body}\n" for r in requests),
        )
        completed = subprocess.run(
            [
                shutil.which("wrk"),
                f"--threads={min(threads, connections)}",
                f"--connections={connections}",
                f"--duration={max(1, round(seconds))}s",
                "--timeout=30s",
                f"--script={script}",
                base_url,
                "--",
                str(listing),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    line = next(line for line in completed.stdout.splitlines() if line.startswith("WRK-JSON "))
    figures = json.loads(line.removeprefix("WRK-JSON "))
    return LoadResult(
        seconds=figures["duration_us"] / 1e6,
        statuses={int(status): count for status, count in figures["statuses"].items()},
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        mean_ms=figures["mean_us"] / 1000,
        socket_errors=figures["errors"],
    )
