"""Websocket routes: one consumer per route."""
from django.urls import path

from .consumers import LabConsumer

websocket_urlpatterns: list = [
    path("ws/lab/", LabConsumer.as_asgi()),
]
