"""Task modules are listed here so the worker registers them all."""

from workers.app import celery_app
from workers.handling import close_unrated, escalate, scan_deadlines
from workers.ioc import monthly_report
from workers.media import process_photo, resend_stranded_photos
from workers.notify import deliver, sweep
from workers.system import heartbeat

__all__ = [
    "celery_app",
    "close_unrated",
    "deliver",
    "escalate",
    "heartbeat",
    "monthly_report",
    "process_photo",
    "resend_stranded_photos",
    "scan_deadlines",
    "sweep",
]
