"""The workshop models now live in the workshops app (its ``0001_initial``):
only Django's state changes here; the tables stay as they are."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("visualizer", "0003_workshops"),
        ("workshops", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name="run",
                name="learner",
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                        related_name="runs", to="workshops.learner"),
            ),
            migrations.RemoveConstraint(model_name="learner", name="one_seat_per_browser"),
            migrations.RemoveField(model_name="learner", name="workshop"),
            migrations.DeleteModel(name="Learner"),
            migrations.DeleteModel(name="Workshop"),
        ]),
    ]
