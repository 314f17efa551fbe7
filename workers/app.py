"""The Celery application. The API never imports this package: it sends tasks by name
(see service/core/tasks.py); workers import the services they run."""

import ctypes
import logging
import os
import signal
import sys

import redis
from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_process_init
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
        # kombu's Redis transport with the fix that keeps a worker alive when Redis goes
        # away mid-wait (workers/broker.py); the URL still says where Redis is.
        broker_transport="workers.broker:Transport",
        # A task whose worker died is handed out again visibility_timeout seconds after it
        # was taken (settings: why 300 s). Workers look for such tasks every interval x
        # throttle seconds (kombu's default: 100 s); kept in step with a short timeout.
        # The socket options make a worker notice a Redis that vanished without closing
        # its connections (a failover, a cut network) instead of blocking for ever, and
        # keep retrying: it is back at work within its reconnect backoff of Redis returning.
        broker_transport_options={
            "visibility_timeout": vt,
            "unacked_restore_interval": max(1, min(10, vt // 5)),
            "unacked_restore_throttle": 1 if vt < 600 else 10,
            "socket_timeout": 10,
            "socket_connect_timeout": 5,
            "health_check_interval": 25,
            "retry_on_timeout": True,
        },
        # Reconnect for ever (the default gives up after 100 tries). kombu waits 2, 4, 6 …
        # up to 30 s between tries: after a 10 s outage the worker is back about 2 s after
        # Redis (measured by tests/faults), after a long one within 30 s.
        broker_connection_retry=True,
        broker_connection_max_retries=None,
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
            # Last month's report, an hour into the 1st (Vietnam): the month is over, the day not begun.
            "monthly-report": {
                "task": "phananh.ioc.monthly_report",
                "schedule": crontab(minute=0, hour=1, day_of_month=1),
            },
        },
    )
    return app


def queue_keys(name: str) -> list[str]:
    """The Redis lists kombu keeps for a queue: one per priority step (0, 3, 6, 9)."""
    return [name, *(f"{name}\x06\x16{step}" for step in (3, 6, 9))]


def broker_client() -> redis.Redis:
    return redis.Redis.from_url(get_settings().redis_url, socket_connect_timeout=2, socket_timeout=5)


def queue_length(name: str) -> int:
    """Messages waiting in a queue, not yet taken by a worker."""
    with broker_client() as client:
        return sum(int(client.llen(key)) for key in queue_keys(name))  # type: ignore[arg-type]


_PR_SET_PDEATHSIG = 1


@worker_process_init.connect
def _die_with_the_worker(**_: object) -> None:
    """A pool child is killed by the kernel when its worker dies, however it dies (kill -9,
    the OOM killer): otherwise it finishes, or hangs in, its task for minutes after the
    worker is gone, holding the photo's lock and outliving `make run`'s "stopped". Its
    unacknowledged task is not lost: it is redelivered, or found by the sweeps."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        logging.getLogger(__name__).warning("pool child will not die with its worker: errno %d", ctypes.get_errno())
    elif os.getppid() == 1:
        os._exit(1)  # the worker died before the request took effect


celery_app = create_celery()
