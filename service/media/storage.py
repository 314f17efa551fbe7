"""Where photo bytes live: a small interface, a local filesystem backend (default) and an
S3-compatible backend for production (``STORAGE_BACKEND=s3``).

Keys are opaque paths such as ``originals/2026/11/<uuid>``; nothing outside this package
builds a filesystem path or an S3 URL from them.
"""

import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from service.media.errors import ObjectNotFound, StorageError

__all__ = ["LocalStorage", "ObjectNotFound", "Storage", "StorageError", "get_storage"]


class Storage(Protocol):
    def put(self, key: str, data: bytes, *, content_type: str) -> None:
        """Store ``data`` durably: once this returns, a crash does not lose it."""

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""

    def exists(self, key: str) -> bool: ...


class LocalStorage:
    """Files under one root folder, written atomically (temp file, fsync, rename).

    ``durable=False`` skips the fsyncs, for a bulk writer that syncs once at its own
    checkpoints (the demo history: thousands of small files, one sync a day of history)."""

    def __init__(self, root: Path, *, durable: bool = True) -> None:
        self.root = root
        self.durable = durable

    def batch(self) -> "LocalStorage":
        """The same folder without a sync per file; call ``sync`` before relying on it."""
        return LocalStorage(self.root, durable=False)

    def sync(self) -> None:
        os.sync()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise StorageError(f"key escapes the storage root: {key!r}")
        return path

    def put(self, key: str, data: bytes, *, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                if self.durable:
                    os.fsync(handle.fileno())
            os.replace(tmp, path)
            if not self.durable:
                return
            # fsync the folder too, or the rename itself may not survive a power cut.
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


@lru_cache
def get_storage() -> Storage:
    from service.core.settings import get_settings

    settings = get_settings()
    if settings.storage_backend == "s3":
        from service.media.s3 import S3Storage

        return S3Storage.from_settings(settings)
    return LocalStorage(settings.data_dir / "media")
