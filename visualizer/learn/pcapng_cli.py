"""``manage.py trace --pcapng FILE``: the run's captures written as pcap-ng.

The lab's RESULT carries the frames' bytes (``frames``); this takes them out
of it (the ``--json`` lines never print them) and writes the file
``core/pcapexport.py`` builds, the same one ``/runs/<uid>.pcapng`` serves.
"""
from __future__ import annotations

from visualizer.core import pcapexport


def add_argument(parser) -> None:
    parser.add_argument("--pcapng", metavar="FILE", default=None,
                        help="write the run's captures to FILE as pcap-ng (for Wireshark): one "
                             "interface per captured device, named ns:dev, each frame with its "
                             "direction and a comment naming its journey and hop")


def take(result: dict, path: str | None, lesson: str, step: int, stderr) -> None:
    """Pop RESULT ``frames``; with ``path``, write the pcap-ng file there."""
    frames = result.pop("frames", None) or {}
    if not path:
        return
    captures = result.get("captures") or {}
    data = pcapexport.build(captures, frames, result.get("journeys") or [], lesson,
                            result.get("step", step))
    with open(path, "wb") as f:
        f.write(data)
    count = sum(len(v) for v in captures.values())
    stderr.write(f"pcap-ng: {count} frames of {len(captures)} devices written to {path}")
