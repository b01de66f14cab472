"""Velocity counters in Redis: counts, sums and declines per user, card and IP over 1 min, 1 h and 24 h.

Each window is a ring of fixed buckets (10 s for the minute, 5 min for the hour, 1 h for the
day); a window's figure is the sum of the buckets that started within it, so it slides in
steps of one bucket. One Lua script writes every counter of an attempt (atomic: concurrent
attempts never lose an increment), another reads them all: one round trip each.

Redis down: reads raise `VelocityUnavailable` (the assessment goes on without these
signals and lists them as missing) and writes are skipped with a warning. After a failure
the client skips Redis for FRAUD_REDIS_RETRY_AFTER_SECONDS, so an outage costs one timeout,
not one per request. Keys are built inside the scripts: a single Redis (or one cluster
slot per deployment), not a sharded cluster.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

import redis
import structlog

from fraud import conf

logger = structlog.get_logger(__name__)

WINDOWS = (("1m", 60, 10), ("1h", 3600, 300), ("24h", 86400, 3600))
DIMENSIONS = ("user", "card", "ip")
DISTINCT_WINDOW_SECONDS = 86400
STATS_TTL_SECONDS = 90 * 86400

_RECORD_SCRIPT = """
local now = tonumber(ARGV[1])
local amount = tonumber(ARGV[2])
local declined = tonumber(ARGV[3])
local log_amount = tonumber(ARGV[4])
local user, card, ip = ARGV[5], ARGV[6], ARGV[7]
local windows = {{60, 10}, {3600, 300}, {86400, 3600}}
local function bump(dim)
  for _, w in ipairs(windows) do
    local bucket = math.floor(now / w[2]) * w[2]
    local key = 'fraud:v:' .. dim .. ':' .. w[1] .. ':' .. string.format('%d', bucket)
    redis.call('HINCRBY', key, 'c', 1)
    redis.call('HINCRBY', key, 'a', amount)
    if declined == 1 then redis.call('HINCRBY', key, 'd', 1) end
    redis.call('EXPIRE', key, w[1] + w[2])
  end
end
if user ~= '' then bump('u:' .. user) end
if card ~= '' then bump('c:' .. card) end
if ip ~= '' then bump('i:' .. ip) end
if user ~= '' and card ~= '' then
  local cards, users = 'fraud:v:ucards:' .. user, 'fraud:v:cusers:' .. card
  redis.call('ZADD', cards, now, card)
  redis.call('ZREMRANGEBYSCORE', cards, '-inf', now - 86400)
  redis.call('EXPIRE', cards, 86400)
  redis.call('ZADD', users, now, user)
  redis.call('ZREMRANGEBYSCORE', users, '-inf', now - 86400)
  redis.call('EXPIRE', users, 86400)
end
if user ~= '' and declined == 0 then
  local stats = 'fraud:v:ustats:' .. user
  redis.call('HINCRBY', stats, 'n', 1)
  redis.call('HINCRBYFLOAT', stats, 's', log_amount)
  redis.call('HINCRBYFLOAT', stats, 'ss', log_amount * log_amount)
  local max = tonumber(redis.call('HGET', stats, 'mx') or '0')
  if amount > max then redis.call('HSET', stats, 'mx', amount) end
  redis.call('EXPIRE', stats, 7776000)
end
return 1
"""

_READ_SCRIPT = """
local now = tonumber(ARGV[1])
local user, card, ip = ARGV[2], ARGV[3], ARGV[4]
local windows = {{60, 10}, {3600, 300}, {86400, 3600}}
local out = {}
local function read(dim)
  for _, w in ipairs(windows) do
    local c, a, d = 0, 0, 0
    local last = math.floor(now / w[2]) * w[2]
    local first = last - w[1] + w[2]
    for bucket = first, last, w[2] do
      local key = 'fraud:v:' .. dim .. ':' .. w[1] .. ':' .. string.format('%d', bucket)
      local v = redis.call('HMGET', key, 'c', 'a', 'd')
      c = c + tonumber(v[1] or '0')
      a = a + tonumber(v[2] or '0')
      d = d + tonumber(v[3] or '0')
    end
    table.insert(out, c)
    table.insert(out, a)
    table.insert(out, d)
  end
end
for _, dim in ipairs({'u:' .. user, 'c:' .. card, 'i:' .. ip}) do
  if string.len(dim) > 2 then read(dim) else for _ = 1, 9 do table.insert(out, 0) end end
end
local since = now - 86400
if user ~= '' then
  table.insert(out, redis.call('ZCOUNT', 'fraud:v:ucards:' .. user, since, '+inf'))
  local seen = redis.call('ZSCORE', 'fraud:v:ucards:' .. user, card)
  if card ~= '' and seen and tonumber(seen) > since then table.insert(out, 1) else table.insert(out, 0) end
  local s = redis.call('HMGET', 'fraud:v:ustats:' .. user, 'n', 's', 'ss', 'mx')
  table.insert(out, s[1] or '0')
  table.insert(out, s[2] or '0')
  table.insert(out, s[3] or '0')
  table.insert(out, s[4] or '0')
else
  for _ = 1, 6 do table.insert(out, 0) end
end
if card ~= '' then
  table.insert(out, redis.call('ZCOUNT', 'fraud:v:cusers:' .. card, since, '+inf'))
else
  table.insert(out, 0)
end
return out
"""


class VelocityUnavailable(Exception):
    """Redis is not configured or not answering; the velocity signals are missing."""


@dataclass(frozen=True)
class UserAmountHistory:
    count: int
    log_mean: float
    log_std: float
    max_usd: float


@dataclass(frozen=True)
class VelocitySnapshot:
    """The counters an attempt sees before it is counted itself. Amounts in US dollars."""

    counters: dict  # {"user_attempts_1m": n, "user_amount_usd_1m": x, "user_declines_1m": n, ...}
    user_distinct_cards_24h: int  # including the card of this attempt
    card_distinct_users_24h: int  # including the user of this attempt
    history: UserAmountHistory


class VelocityClient:
    def __init__(self, url: str):
        timeout = conf.redis_timeout_seconds()
        self.redis = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        self.record_script = self.redis.register_script(_RECORD_SCRIPT)
        self.read_script = self.redis.register_script(_READ_SCRIPT)
        self.down_until = 0.0


# One client per Redis URL in this process, with its failure state (`down_until`).
CLIENTS: dict[str, VelocityClient] = {}
_clients_lock = threading.Lock()


def velocity_client() -> VelocityClient:
    """The client of FRAUD_REDIS_URL; raises VelocityUnavailable when unset or failed within the retry delay."""
    url = conf.redis_url()
    if not url:
        raise VelocityUnavailable("no Redis configured (FRAUD_REDIS_URL / REDIS_URL unset)")
    client = CLIENTS.get(url)
    if client is None:
        with _clients_lock:
            client = CLIENTS.setdefault(url, VelocityClient(url))
    if client.down_until > time.monotonic():
        raise VelocityUnavailable("Redis failed recently; retrying later")
    return client


def _failed(client: VelocityClient, error: Exception, operation: str) -> None:
    client.down_until = time.monotonic() + conf.redis_retry_after_seconds()
    logger.warning("fraud_velocity_redis_unavailable", operation=operation, error=type(error).__name__)


def reset_clients() -> None:
    """Forget every client and failure (tests, or after changing FRAUD_REDIS_URL at run time)."""
    with _clients_lock:
        CLIENTS.clear()


def _id(value) -> str:
    return "" if value is None else str(value).replace(" ", "")


def velocity_read(
    *, user_id, card_fingerprint: str | None, ip: str | None, now: float | None = None
) -> VelocitySnapshot:
    """Every velocity counter for this user, card and IP, in one round trip.

    Raises VelocityUnavailable when Redis is unset, down or failed within the retry delay.
    """
    client = velocity_client()
    moment = time.time() if now is None else now
    try:
        values = client.read_script(args=[f"{moment:.3f}", _id(user_id), _id(card_fingerprint), _id(ip)])
    except redis.RedisError as error:
        _failed(client, error, "read")
        raise VelocityUnavailable(str(error)) from error
    counters: dict = {}
    index = 0
    for dimension in DIMENSIONS:
        present = {"user": user_id is not None, "card": bool(card_fingerprint), "ip": bool(ip)}[dimension]
        for window, _seconds, _step in WINDOWS:
            count, amount_cents, declines = (int(float(v)) for v in values[index : index + 3])
            index += 3
            if present:
                counters[f"{dimension}_attempts_{window}"] = count
                counters[f"{dimension}_amount_usd_{window}"] = amount_cents / 100
                counters[f"{dimension}_declines_{window}"] = declines
    # The attempt being assessed is not counted yet: its own card (and user) count once if new.
    card_seen_before = int(values[index + 1]) == 1
    distinct_cards = int(values[index]) + (1 if card_fingerprint and not card_seen_before else 0)
    n, total, total_squares, max_cents = (float(v) for v in values[index + 2 : index + 6])
    distinct_users = int(values[index + 6]) + (1 if card_fingerprint and not card_seen_before else 0)
    mean = total / n if n else 0.0
    variance = max(0.0, total_squares / n - mean * mean) if n else 0.0
    history = UserAmountHistory(count=int(n), log_mean=mean, log_std=math.sqrt(variance), max_usd=max_cents / 100)
    return VelocitySnapshot(
        counters=counters,
        user_distinct_cards_24h=distinct_cards,
        card_distinct_users_24h=distinct_users,
        history=history,
    )


def velocity_write(
    *,
    user_id,
    card_fingerprint: str | None,
    ip: str | None,
    amount_usd_cents: int,
    declined: bool,
    now: float | None = None,
) -> bool:
    """Count one attempt in every window of its user, card and IP, atomically. False if Redis is down."""
    try:
        client = velocity_client()
    except VelocityUnavailable:
        return False
    moment = time.time() if now is None else now
    log_amount = math.log1p(max(0, amount_usd_cents) / 100)
    try:
        client.record_script(
            args=[
                f"{moment:.3f}",
                int(amount_usd_cents),
                1 if declined else 0,
                f"{log_amount:.6f}",
                _id(user_id),
                _id(card_fingerprint),
                _id(ip),
            ]
        )
    except redis.RedisError as error:
        _failed(client, error, "record")
        return False
    return True
