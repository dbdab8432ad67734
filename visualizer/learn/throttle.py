"""Failed attempts per client address in a fixed window, counted in Django's cache.

The cache is the process's memory by default (one process, nothing to set up)
and redis when ``REDIS_URL`` is set, so every web process counts the same
attempts.  Used for joining a workshop by code and for signing in: a code is
six characters of 31, and a password has no other guard.
"""
from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def window_of(window: float) -> int:
    """The number of the fixed window of ``window`` seconds we are in."""
    return int(time.time() // window)


def seconds_left(window: float) -> int:
    """Seconds until the next fixed window (at least 1): what a refusal says to wait."""
    return max(1, int(window - time.time() % window))


def bump(key: str, by: int, timeout: int) -> None:
    """Add ``by`` to a counter in the cache, made (at 0) if missing, for ``timeout`` s."""
    cache.add(key, 0, timeout=timeout)
    try:
        cache.incr(key, by)
    except ValueError:         # expired between add and incr: a new window
        cache.add(key, max(0, by), timeout=timeout)


def _key(scope: str, request, window: float) -> str:
    return f"throttle:{scope}:{client_address(request)}:{window_of(window)}"


def wait(scope: str, request, limit: int, window: float = 60.0) -> int:
    """Seconds this address must wait before its next attempt (0: go ahead): it has
    failed ``limit`` times in this window.  Only failures count, so a room behind one
    address joins freely; a guesser is held back."""
    if (cache.get(_key(scope, request, window)) or 0) < limit:
        return 0
    return seconds_left(window)


def failed(scope: str, request, window: float = 60.0) -> None:
    """Count one failed attempt of this address."""
    bump(_key(scope, request, window), 1, int(window) + 1)


def join_wait(request) -> int:
    return wait("join", request, settings.JOIN_PER_MINUTE)


def login_wait(request) -> int:
    return wait("login", request, settings.LOGIN_PER_MINUTE)
