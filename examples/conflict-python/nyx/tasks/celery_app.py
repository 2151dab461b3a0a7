"""The Celery application that runs the slow path."""

from celery import Celery

app = Celery("nyx", broker="redis://localhost:6379/0")
