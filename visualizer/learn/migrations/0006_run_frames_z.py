"""A run keeps its captured frames in ``frames_z`` (zlib-compressed JSON), for the
pcap-ng download.  A run recorded before this has none (null): its page offers
no pcap-ng and ``/runs/<uid>.pcapng`` says why."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("visualizer", "0005_run_events_z"),
    ]

    operations = [
        migrations.AddField(model_name="run", name="frames_z",
                            field=models.BinaryField(blank=True, null=True)),
    ]
