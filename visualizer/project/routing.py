"""Websocket routes: one consumer per route."""
from django.urls import path

from ..learn.consumers import LabConsumer
from ..workshops.consumers import BoardConsumer, LearnerConsumer

websocket_urlpatterns: list = [
    path("ws/lab/", LabConsumer.as_asgi()),
    path("ws/workshop/", LearnerConsumer.as_asgi()),
    path("ws/board/<str:code>/", BoardConsumer.as_asgi()),
]
