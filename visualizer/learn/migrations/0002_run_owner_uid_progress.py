"""Runs get an owner and an unguessable uid; per-browser progress."""
import secrets

from django.db import migrations, models

import visualizer.learn.models


def fill_uids(apps, schema_editor):
    Run = apps.get_model("visualizer", "Run")
    for run in Run.objects.all().only("id"):
        run.uid = secrets.token_urlsafe(16)
        run.save(update_fields=["uid"])


class Migration(migrations.Migration):

    dependencies = [("visualizer", "0001_initial")]

    operations = [
        migrations.AddField("run", "owner", models.CharField(blank=True, db_index=True, default="",
                                                             max_length=64)),
        migrations.AddField("run", "uid", models.CharField(max_length=32, null=True, editable=False)),
        migrations.RunPython(fill_uids, migrations.RunPython.noop),
        migrations.AlterField("run", "uid", models.CharField(
            default=visualizer.learn.models.new_uid, editable=False, max_length=32, unique=True)),
        migrations.CreateModel(
            name="Progress",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("owner", models.CharField(db_index=True, max_length=64)),
                ("lesson", models.CharField(max_length=100)),
                ("step", models.PositiveIntegerField()),
                ("runs", models.PositiveIntegerField(default=0)),
                ("predicted", models.PositiveIntegerField(default=0)),
                ("predicted_right", models.PositiveIntegerField(default=0)),
                ("passed", models.BooleanField(default=False)),
                ("updated", models.DateTimeField(auto_now=True)),
            ],
            options={"constraints": [models.UniqueConstraint(
                fields=("owner", "lesson", "step"), name="one_progress_per_step")]},
        ),
    ]
