"""Django system checks: say, with a hint, why the live lab cannot start.

Started as root, the lab drops to the lab user (``LAB_USER``) first: these
checks also say which folder that user cannot read, and what to change.
"""
from django.conf import settings
from django.core import checks

from .core.config import LabConfig
from .lab import preflight


@checks.register("lab", deploy=False)
def lab_can_start(app_configs, **kwargs):
    config = LabConfig.from_settings(settings)
    return ([checks.Warning(p.message, hint=p.hint, id=p.id) for p in preflight.problems(config)]
            + [checks.Info(p.message, hint=p.hint, id=p.id) for p in preflight.notices(config)])
