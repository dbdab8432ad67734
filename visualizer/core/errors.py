"""The one list of error kinds a client can receive (``lab.error`` / ``*.error``).

Every error message on the wire carries one of these as ``kind``; the UI
chooses its wording by kind, and nothing else invents one.
"""
from __future__ import annotations

INPUT = "input"              # the request is wrong: fix it and retry (unknown lesson, bad rule)
FORBIDDEN = "forbidden"      # a rule option or action the lab refuses on principle
BUSY = "busy"                # a run is already going on this connection
RATE = "rate_limited"        # too many runs from this connection: wait a little
UNAVAILABLE = "unavailable"  # the lab cannot start on this machine (the message says why)
TIMEOUT = "timeout"          # the run took too long
LAB = "lab"                  # the lab failed this run; other learners are unaffected
INTERNAL = "internal"        # a bug: logged on the server

KINDS = (INPUT, FORBIDDEN, BUSY, RATE, UNAVAILABLE, TIMEOUT, LAB, INTERNAL)
