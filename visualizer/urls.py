"""HTTP routes."""
from django.urls import path

urlpatterns: list = []
