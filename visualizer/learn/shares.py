"""Fair shares of the lab: what one browser session and one client address may hold
and start, whatever number of sockets they open.

Before, the rate limit counted per socket and sandboxes belonged to sockets, so one
client without a cookie opened 64 sockets, ran once on each, and held the whole lab.
The counts live in Django's cache, like the join throttle's: process memory alone,
redis with ``REDIS_URL``, so every web process sees the same share.  A cache call is
a local round trip at most, made in the event loop on purpose: the one sync thread
is where runs are saved, and a learner's Run must not wait behind a room's saves.

Limits (settings, README "Configuration"):
- runs a minute: ``WS_RUNS_PER_MINUTE`` per session (per socket when it has none)
  and ``WS_RUNS_PER_MINUTE_PER_ADDRESS``;
- sandboxes held at once: ``WS_SANDBOXES_PER_SESSION`` and
  ``WS_SANDBOXES_PER_ADDRESS`` (0: half the lab's cap, so a room behind one NAT
  address fits, and one address never takes the whole lab).
"""
from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.core.cache import cache

from ..core import errors
from .throttle import bump, seconds_left, window_of

log = logging.getLogger(__name__)
WINDOW = 60.0
# A session key that a workshop's join sets: an instructor seated this browser, so the
# seats of the room bound it, and the address's sandbox share (a room behind one NAT
# address) does not apply to it.  Its session's share does.
SEATED = "seated"
_cache_ok = True        # this process's last word on the cache (logged once a change)


def _fail_open(method):
    """While the cache is unreachable (a redis outage) a run goes ahead uncounted,
    bounded by the lab's own cap: a share is not worth a learner's run.  Logged once."""
    @functools.wraps(method)
    def counted(self, *args):
        global _cache_ok
        try:
            out = method(self, *args)
        except errors.Error:
            raise
        except Exception as e:
            if _cache_ok:
                log.warning("fair shares go uncounted: the cache is unreachable (%s: %s)",
                            type(e).__name__, e)
            _cache_ok = False
            return None
        _cache_ok = True
        return out
    return counted


def _full(key: str, sandboxes: int | None) -> bool:
    """Whether ``key`` holds its ``sandboxes`` already (None: no limit)."""
    return sandboxes is not None and (cache.get(f"share:held:{key}") or 0) >= sandboxes


def _address_cap() -> int:
    if settings.WS_SANDBOXES_PER_ADDRESS > 0:
        return settings.WS_SANDBOXES_PER_ADDRESS
    from ..lab.client import sandbox_cap
    from .config import lab_config
    return max(1, sandbox_cap(lab_config())[0] // 2)


class Share:
    """One socket's view of its session's and address's share."""

    def __init__(self, session: str, address: str):
        self.session, self.address = session, address or "unknown"
        self.seated = False           # the session holds a workshop seat (SEATED)
        self._cap: int | None = None  # the address's sandbox share, read once a socket
        self.holding: list[str] = []  # the share keys this socket's sandbox counts in

    def _who(self):
        """(scope, key, runs a minute, sandboxes or None) for each limit that applies."""
        if self._cap is None and not self.seated:
            self._cap = _address_cap()          # (it reads the machine's memory)
        out = [("address", f"addr:{self.address}", settings.WS_RUNS_PER_MINUTE_PER_ADDRESS,
                None if self.seated else self._cap)]
        if self.session:
            out.append(("session", f"sess:{self.session}", settings.WS_RUNS_PER_MINUTE,
                        settings.WS_SANDBOXES_PER_SESSION))
        return out

    @_fail_open
    def check(self) -> None:
        """Refuse (``rate_limited``) a run past a share; count it otherwise."""
        minute = window_of(WINDOW)
        who = self._who()
        for scope, key, per_minute, sandboxes in who:
            if (cache.get(f"share:runs:{key}:{minute}") or 0) >= per_minute:
                raise errors.RateLimited(errors.say(
                    f"error.rate.{'browser' if scope == 'session' else 'address'}",
                    seconds=seconds_left(WINDOW), per_minute=per_minute))
            if not self.holding and _full(key, sandboxes):
                raise errors.RateLimited(errors.say(
                    f"error.held.{'browser' if scope == 'session' else 'address'}", count=sandboxes))
        for _, key, _, _ in who:
            bump(f"share:runs:{key}:{minute}", 1, int(WINDOW) + 1)
        if not self.holding:
            self._hold(who)

    @_fail_open
    def reserve(self) -> bool:
        """Count this socket's sandbox-to-be (a page opened: one is built ahead for
        it) if its shares allow one more; its run then counts no second time."""
        if self.holding:
            return True
        who = self._who()
        if any(_full(key, sandboxes) for _, key, _, sandboxes in who):
            return False
        self._hold(who)
        return True

    def _hold(self, who) -> None:
        # Kept a little past the idle release, so a process that died cannot pin a
        # share for ever.
        ttl = int(settings.LAB_IDLE_TIMEOUT) * 2 + 60
        self.holding = [f"share:held:{key}" for _, key, _, _ in who]
        for key in self.holding:
            bump(key, 1, ttl)

    @_fail_open
    def released(self) -> None:
        """This socket's sandbox is gone (released when idle, or the socket closed);
        the keys are those it was counted in, should the session have changed since."""
        for key in self.holding:
            if (cache.get(key) or 0) > 0:
                cache.decr(key)
        self.holding = []
