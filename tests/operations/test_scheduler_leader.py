"""Two real `run_scheduler` processes on one database: one leads, and the other takes over after a kill -9.

Transactional: the schedulers are other processes and only see committed rows; they are
killed before the test database is flushed.
"""

import contextlib
import signal
from collections.abc import Iterator

import pytest
from django.utils import timezone

from payments_platform.models import JobRun
from tests.operations.processes import Process, child_environment

pytestmark = pytest.mark.django_db(transaction=True)


def scheduler_environment() -> dict[str, str]:
    return child_environment(SCHEDULER_LEADER_RETRY_SECONDS="0.5", SCHEDULER_LOCK_CHECK_SECONDS="0.5")


@contextlib.contextmanager
def leader_and_follower() -> Iterator[tuple[Process, Process]]:
    """Two `run_scheduler` processes: the first leading, the second following; both stopped at the end."""
    leader = Process.manage("run_scheduler", env=scheduler_environment())
    follower = None
    try:
        leader.wait_for('"scheduler_leading"')
        follower = Process.manage("run_scheduler", env=scheduler_environment())
        follower.wait_for('"scheduler_following"')
        yield leader, follower
    finally:
        leader.stop()
        if follower:
            follower.stop()


def test_a_second_scheduler_follows_while_the_first_leads():
    with leader_and_follower() as (first, second):
        first.wait_for('"job": "prune_job_runs"')  # the leader runs its jobs meanwhile

        assert '"scheduler_leading"' not in second.output()
        assert '"scheduled_job_started"' not in second.output()


def test_the_follower_takes_over_when_the_leader_is_killed_with_sigkill():
    with leader_and_follower() as (leader, follower):
        leader.signal_group(signal.SIGKILL)
        leader.wait()
        leader_killed_at = timezone.now()
        follower.wait_for('"scheduler_leading"')
        follower.wait_for('"scheduled_job_succeeded"')

        # The leader is dead, so every run started after the kill is the follower's.
        runs_after_the_kill = JobRun.objects.filter(started_at__gte=leader_killed_at)
        assert runs_after_the_kill.filter(outcome=JobRun.Outcome.SUCCEEDED).exists()


def test_a_scheduler_stops_on_sigterm_and_releases_the_lock_to_the_next():
    with leader_and_follower() as (first, second):
        first.signal_group(signal.SIGTERM)

        assert first.wait() == 0
        assert "Scheduler stopped." in first.output()
        second.wait_for('"scheduler_leading"')
