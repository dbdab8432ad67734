"""Websocket routes: one consumer per route."""
from django.urls import path

websocket_urlpatterns: list = []
