"""Workshops: a room (``Workshop``) and its learners (``Learner``).

The tables were created by the learner app (``visualizer`` label) before the
workshops had an app of their own; ``0001_initial`` moved them here without
touching the database (``SeparateDatabaseAndState``), so they keep their names.
"""
import secrets

from django.db import models

# A join code is short and unambiguous when read off a projector: no 0/O, 1/l/I.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class Workshop(models.Model):
    """A room of learners on the same lessons, led by instructors."""

    code = models.CharField(max_length=12, unique=True, default=new_code)
    title = models.CharField(max_length=200)
    lessons = models.JSONField(default=list)           # lesson slugs, in order
    seats = models.PositiveIntegerField(default=30)
    lesson = models.CharField(max_length=100, blank=True, default="")   # where goto sent the room
    step = models.PositiveIntegerField(default=1)
    spotlight = models.JSONField(default=dict, blank=True)   # {"run": uid, "name": str|None}
    closed = models.BooleanField(default=False)
    paused = models.BooleanField(default=False)     # the instructor paused the room: runs wait
    # the experiment goto sent the room to, as checked (an extra step; {}: on its lesson step)
    experiment = models.JSONField(default=dict, blank=True)
    # when goto sent it (the board counts the learners' experiment runs since then)
    experiment_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    instructors = models.ManyToManyField("auth.User", related_name="workshops", blank=True)

    class Meta:
        db_table = "visualizer_workshop"
        ordering = ["-created"]
        permissions = [("run_workshop", "Can create and run workshops")]

    def __str__(self):
        return f"{self.title} ({self.code})"

    @property
    def group(self) -> str:
        """The channel-layer group every learner page of this workshop listens on."""
        return f"workshop-{self.code}"

    @property
    def board_group(self) -> str:
        """The group the instructors' boards listen on."""
        return f"board-{self.code}"

    def seated(self) -> int:
        """Learners in the room (the removed ones no longer take a seat)."""
        return self.learners.filter(removed=False).count()

    def where(self) -> dict:
        return {"lesson": self.lesson or (self.lessons[0] if self.lessons else ""),
                "step": self.step}


class Learner(models.Model):
    """One learner of a workshop, known by their browser session and a display name."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="learners")
    name = models.CharField(max_length=40)
    owner = models.CharField(max_length=64, db_index=True)   # the browser's session key
    lesson = models.CharField(max_length=100, blank=True, default="")   # the page they are on
    step = models.PositiveIntegerField(default=1)
    ahead = models.BooleanField(default=False)     # chose to stay ahead of the room
    # their page is the room's experiment (lesson and step: the step it comes back to)
    on_experiment = models.BooleanField(default=False)
    joined = models.DateTimeField(auto_now_add=True)
    # the room at a glance (roomview.py): when we last heard of the learner, when they
    # came to the step they are on, how many of their workshop sockets are open now
    # (counted in the database: the sockets of one learner may be on several processes)
    active = models.DateTimeField(null=True, blank=True)
    arrived = models.DateTimeField(null=True, blank=True)
    connections = models.IntegerField(default=0)
    # refreshed by each open workshop socket every minute: a process that dies without
    # closing its sockets leaves them counted, and this says they are gone (roomview.py)
    socket_seen = models.DateTimeField(null=True, blank=True)
    # "lesson:step" -> ISO time the instructor reset that step: earlier attempts are
    # kept (and listed) but no longer count for the cell, the summaries or "stuck"
    resets = models.JSONField(default=dict, blank=True)
    removed = models.BooleanField(default=False)    # the instructor removed the learner

    class Meta:
        db_table = "visualizer_learner"
        ordering = ["joined"]
        constraints = [models.UniqueConstraint(fields=["workshop", "owner"],
                                               name="one_seat_per_browser")]

    def __str__(self):
        return f"{self.name} in {self.workshop.code}"
