"""A configured rule limit holds end to end (CLI and websocket): the lab takes
the limit the web side was given, and a refusal reaches the run that asked.

Before, ``LAB_MAX_RULES=9`` with 9 rules passed the web and client checks, and
the lab refused the request line with its module default (8), on id -1: the run
hung until it was killed."""
from __future__ import annotations

import time

import pytest

from tests.conftest import run_trace

RULES = [f"-A DOCKER-USER -s 198.51.100.{i} -j DROP" for i in range(1, 10)]


def _rule_args(n):
    return [a for r in RULES[:n] for a in ("--rule", r)]


@pytest.mark.live
def test_cli_runs_nine_rules_when_the_limit_is_nine(live_lab):
    events, result, proc = run_trace("container-to-container", "--step", "1", *_rule_args(9),
                                     env={"LAB_MAX_RULES": "9"}, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert result is not None and result["ok"] is True and events
    listed = result["rules"]["iptables"]["filter"]
    assert all(r.split()[3] in listed for r in RULES), listed


def test_cli_refuses_three_rules_over_a_limit_of_two_at_once():
    t0 = time.monotonic()
    _, result, proc = run_trace("container-to-container", "--step", "1", *_rule_args(3),
                                env={"LAB_MAX_RULES": "2"}, timeout=30)
    took = time.monotonic() - t0
    assert proc.returncode == 2 and result is None, proc.stdout + proc.stderr
    assert "too many rules: 3, at most 2" in proc.stderr
    # a hang guard, not a timing: refused before any lab starts (~1 s, mostly Python's start)
    assert took < 15, took
