"""A run's events go in ``events_z``, one zlib-compressed JSON text.

The JSON column keeps its name in the table (``events``) and its rows: a run
recorded before this reads from it (``Run.events``); only Django's name for the
field changes, so nothing is copied or rewritten.
"""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("visualizer", "0004_workshops_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RenameField(model_name="run", old_name="events", new_name="events_json"),
            migrations.AlterField(model_name="run", name="events_json",
                                  field=models.JSONField(blank=True, db_column="events", default=list)),
        ]),
        migrations.AddField(model_name="run", name="events_z",
                            field=models.BinaryField(blank=True, editable=False, null=True)),
    ]
