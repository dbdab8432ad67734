"""The web side's one lab configuration, lesson registry and lab client."""
from __future__ import annotations

from django.conf import settings

from ..core import lessons as lesson_registry
from ..core.config import LabConfig


def lab_config() -> LabConfig:
    """The one lab configuration, from Django settings."""
    return LabConfig.from_settings(settings)


def lessons() -> dict:
    return lesson_registry.all_lessons(settings.LESSONS_DIR)


def lab_client():
    """The per-process LabClient (imported lazily: the web layer never needs pyroute2)."""
    from ..lab.client import LabClient
    return LabClient.shared(lab_config())
