"""The Celery application. The API never imports this package: it sends tasks by name
(see service/core/tasks.py); workers import the services they run."""

from celery import Celery
from kombu import Queue

import service.models
import service.receivers  # noqa: F401  what a recorded line sets off, connected before a task records one
from service.core.settings import get_settings

QUEUES = ("default", "media", "notify")


def create_celery() -> Celery:
    settings = get_settings()
    vt = settings.celery_visibility_timeout
    app = Celery("phananh", broker=settings.redis_url, include=["workers.tasks"])
    app.conf.update(
        task_queues=[Queue(name) for name in QUEUES],
        task_default_queue="default",
        task_routes={"phananh.media.*": {"queue": "media"}, "phananh.notify.*": {"queue": "notify"}},
        # A worker that dies mid-task leaves the message unacknowledged, so it is redelivered.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # Must exceed the longest task, or Redis redelivers a task that is still running.
        # Workers sweep for expired unacknowledged tasks every interval x throttle seconds
        # (kombu's default: 100 s); keep the sweep in step with a short timeout.
        broker_transport_options={
            "visibility_timeout": vt,
            "unacked_restore_interval": max(1, min(10, vt // 5)),
            "unacked_restore_throttle": 1 if vt < 600 else 10,
        },
        task_ignore_result=True,
        timezone="Asia/Ho_Chi_Minh",
        enable_utc=True,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        beat_schedule={
            "heartbeat": {"task": "phananh.system.heartbeat", "schedule": 60.0},
            "close-unrated": {"task": "phananh.handling.close_unrated", "schedule": 600.0},
            "scan-deadlines": {
                "task": "phananh.handling.scan_deadlines",
                "schedule": settings.escalation_scan_seconds,
            },
            "resend-stranded-photos": {
                "task": "phananh.media.resend_stranded",
                "schedule": settings.photo_resend_scan_seconds,
            },
            "sweep-outbox": {"task": "phananh.notify.sweep", "schedule": settings.notify_sweep_seconds},
        },
    )
    return app


celery_app = create_celery()
