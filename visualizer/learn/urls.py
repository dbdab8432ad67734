"""The learner's pages: the lesson list, a lesson step, a recorded run."""
from django.urls import path

from . import experiment_views, lessonzip, views

urlpatterns: list = [
    path("", views.index, name="index"),
    path("session/", views.session, name="session"),
    path("sources/", views.sources, name="sources"),
    path("lessons/<slug:slug>/", views.lesson_page, name="lesson"),
    path("experiment/", experiment_views.experiment_page, name="experiment"),
    path("runs/<str:uid>/", views.run_page, name="run"),
    path("runs/<str:uid>.json", views.run_json, name="run-json"),
    path("runs/<str:uid>.txt", views.run_text, name="run-text"),
    path("runs/<str:uid>.pcapng", views.run_pcapng, name="run-pcapng"),
    path("runs/<str:uid>/lesson.zip", lessonzip.run_lesson, name="run-lesson"),
]
