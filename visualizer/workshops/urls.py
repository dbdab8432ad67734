"""Workshop pages: join by code, an instructor's workshops, the board, the CSV."""
from django.urls import path

from . import views

urlpatterns: list = [
    path("join/", views.join, name="join"),
    path("workshops/", views.workshop_list, name="workshops"),
    path("workshops/<str:code>/board/", views.board, name="board"),
    path("workshops/<str:code>/export.csv", views.export, name="workshop-export"),
]
