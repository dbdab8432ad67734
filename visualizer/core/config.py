"""One configuration object for the lab, built from Django settings.

The web process builds a ``LabConfig`` from its settings and hands it to the
lab process (as JSON in ``LAB_CONFIG``), so both read the same values: the
lessons folder, pool and sandbox limits, timeouts and the rule limits.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

DEFAULT_LESSONS_DIR = Path(__file__).resolve().parents[2] / "lessons"
ENV_KEY = "LAB_CONFIG"
SANDBOX_MIB = 2.0        # what a held sandbox takes, with room to spare
FALLBACK_CAP = 64        # when the machine does not say how much memory it has


def sandboxes_held(available_kib: int) -> int:
    """What that much available memory holds, at ``SANDBOX_MIB`` a sandbox with half
    kept free (``bench/capacity.py`` measures ~1.8 MiB)."""
    return max(0, int(available_kib / 1024 / 2 / SANDBOX_MIB))


@dataclass(frozen=True)
class LabConfig:
    lessons_dir: str = str(DEFAULT_LESSONS_DIR)
    pool_size: int = 2             # ready sandboxes kept per lesson in use
    max_sandboxes: int = 0         # per lab process; 0: what the machine holds (cap_for)
    idle_timeout: float = 600.0    # seconds before an idle learner's sandbox goes
    run_timeout: float = 20.0      # seconds a run may take, from its sandbox in hand
    queue_timeout: float = 120.0   # seconds a run may wait in line at the cap (then lab_full)
    build_concurrency: int = 0     # sandboxes built at once; 0: one per core, at least 2
    warm_lessons: tuple[str, ...] = ("container-to-container",)
    max_rules: int = 8             # learner rules per run
    max_rule_len: int = 300        # characters per rule
    user: str = "nfvis-lab"        # started as root, the lab drops to this user

    @classmethod
    def from_settings(cls, settings) -> "LabConfig":
        """From Django's settings (``LESSONS_DIR``, ``LAB_*``); missing ones keep defaults."""
        kw = {}
        for f in fields(cls):
            name = "LESSONS_DIR" if f.name == "lessons_dir" else f"LAB_{f.name.upper()}"
            if hasattr(settings, name):
                kw[f.name] = getattr(settings, name)
        if "lessons_dir" in kw:
            kw["lessons_dir"] = str(kw["lessons_dir"])
        if "warm_lessons" in kw:
            kw["warm_lessons"] = tuple(kw["warm_lessons"])
        return cls(**kw)

    def replace(self, **kw) -> "LabConfig":
        return LabConfig(**{**asdict(self), **kw})

    def cap_for(self, available_kib: int | None) -> int:
        """The sandbox cap: ``max_sandboxes`` when set, else what the machine holds."""
        if self.max_sandboxes > 0:
            return self.max_sandboxes
        if not available_kib:
            return FALLBACK_CAP
        return max(1, sandboxes_held(available_kib))

    def builds_at_once(self, cores: int | None) -> int:
        """Sandboxes built at once: ``build_concurrency`` when set, else one per core
        (at least 2: a build waits on the kernel as much as it computes)."""
        if self.build_concurrency > 0:
            return self.build_concurrency
        return max(2, cores or 1)

    @property
    def lessons_path(self) -> Path:
        return Path(self.lessons_dir)

    def to_env(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_env(cls, environ=None) -> "LabConfig":
        """The config the client passed to the lab process (defaults when run alone)."""
        raw = (environ or os.environ).get(ENV_KEY)
        if not raw:
            return cls()
        data = json.loads(raw)
        data["warm_lessons"] = tuple(data.get("warm_lessons", ()))
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})
