"""Django system checks: say, with a hint, why the live lab cannot start.

Started as root, the lab drops to the lab user (``LAB_USER``) first: the
checks also name each folder that user cannot read, and what to change.
"""
from django.conf import settings
from django.core import checks

from ..core.config import LabConfig
from ..lab.client import preflight_problems


@checks.register("lab", deploy=False)
def lab_can_start(app_configs, **kwargs):
    problems, notices = preflight_problems(LabConfig.from_settings(settings))
    return ([checks.Warning(p.message, hint=p.hint, id=p.id) for p in problems]
            + [checks.Info(p.message, hint=p.hint, id=p.id) for p in notices])
