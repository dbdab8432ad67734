"""Old runs are pruned: by ``manage.py prune`` and as runs are recorded."""
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from visualizer.learn import pruning
from visualizer.learn.models import Run

pytestmark = pytest.mark.django_db


def _runs(*ages_days):
    for age in ages_days:
        r = Run.objects.create(lesson="conntrack", step=1)
        Run.objects.filter(pk=r.pk).update(created=timezone.now() - timedelta(days=age))


def test_prune_deletes_what_is_older_than_the_setting(capsys):
    _runs(1, 29, 31, 400)
    with override_settings(RUNS_KEEP_DAYS=30):
        call_command("prune")
    assert "pruned 2 run(s)" in capsys.readouterr().out
    assert Run.objects.count() == 2
    call_command("prune", "--days", "2")
    assert Run.objects.count() == 1


def test_zero_days_keeps_everything_and_auto_prunes_once_in_a_while(monkeypatch):
    _runs(100)
    with override_settings(RUNS_KEEP_DAYS=0):
        assert pruning.prune() == 0
    monkeypatch.setattr(pruning, "_last", [float("-inf")])
    with override_settings(RUNS_KEEP_DAYS=30, RUNS_PRUNE_AUTO=True):
        assert pruning.maybe_prune() == 1
        _runs(100)
        assert pruning.maybe_prune() == 0          # not again within the hour
