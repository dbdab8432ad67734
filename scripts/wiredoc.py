"""Write the message list of docs/engine-api.md from core/messages.py (between its markers).

    .venv/bin/python scripts/wiredoc.py        # tests/test_wire.py fails until this is run
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from visualizer.core import messages, wire  # noqa: E402

DOC = ROOT / "docs" / "engine-api.md"
BEGIN, END = "<!-- wire:begin (scripts/wiredoc.py writes this part) -->", "<!-- wire:end -->"


def section() -> str:
    return f"{BEGIN}\n{wire.describe(messages.REGISTRY)}{END}"


def main():
    text = DOC.read_text()
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(head + section() + tail)


if __name__ == "__main__":
    main()
