"""Photos as a request brings them: checked on the request path (cheap: type, size and
dimensions; decoding waits for the worker), and their bytes stored on behalf of the
database transaction.

A request stores photo bytes before its rows commit (so a committed report always has
its files). If the transaction then rolls back — a validation error after the upload, a
lost idempotency race, a failed commit — the files it stored are deleted, so a refused
request leaves nothing behind.
"""

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlmodel import Session

from service.core.tasks import TaskName, send_after_commit
from service.core.timeutil import to_local
from service.core.transaction_hooks import on_rollback
from service.media.imaging import PhotoRejected, UploadInfo, inspect_upload
from service.media.storage import Storage
from service.reports.errors import MissingPhoto, PhotoInvalid, TooManyPhotos
from service.reports.models import Complaint, Photo, PhotoKind

MAX_PHOTOS = 6


@dataclass(frozen=True)
class Upload:
    filename: str | None
    data: bytes


@dataclass(frozen=True)
class CheckedPhoto:
    upload: Upload
    info: UploadInfo
    sha256: str


def put_for_transaction(session: Session, storage: Storage, key: str, data: bytes, *, content_type: str) -> None:
    # Registered first, so bytes half-written by a failing put are removed too.
    on_rollback(session, partial(storage.delete, key))
    storage.put(key, data, content_type=content_type)


def check_photos(uploads: list[Upload]) -> list[CheckedPhoto]:
    if not uploads:
        raise MissingPhoto(field="photos")
    if len(uploads) > MAX_PHOTOS:
        raise TooManyPhotos(field="photos")
    checked = []
    for index, upload in enumerate(uploads):
        try:
            info = inspect_upload(upload.data)
        except PhotoRejected as rejected:
            raise PhotoInvalid(
                rejected.message,
                rejected.message_en,
                code=rejected.code,
                field=f"photos[{index}]",
                file=upload.filename,
            ) from rejected
        checked.append(CheckedPhoto(upload, info, hashlib.sha256(upload.data).hexdigest()))
    return checked


def store_photos(
    *,
    session: Session,
    storage: Storage,
    complaint: Complaint,
    photos: list[CheckedPhoto],
    kind: PhotoKind,
    now: datetime,
) -> None:
    """Write the checked photos' bytes durably, add their rows and queue their processing
    for after the commit (the files go again if the transaction rolls back)."""
    month = to_local(now).strftime("%Y/%m")
    for position, photo in enumerate(photos):
        photo_id = uuid.uuid4()
        key = f"originals/{month}/{photo_id}"
        put_for_transaction(session, storage, key, photo.upload.data, content_type=photo.info.content_type)
        session.add(
            Photo(
                id=photo_id,
                complaint_id=complaint.id,
                kind=kind,
                position=position,
                filename=(photo.upload.filename or "")[:255] or None,
                content_type=photo.info.content_type,
                size_bytes=len(photo.upload.data),
                sha256=photo.sha256,
                width=photo.info.width,
                height=photo.info.height,
                original_key=key,
                created_at=now,
            )
        )
        send_after_commit(session, TaskName.PROCESS_PHOTO, args=(str(photo_id),), queue="media")
