"""What a storage backend raises (local and S3 alike)."""


class StorageError(Exception):
    """The backend could not store or read an object (retry may help)."""


class ObjectNotFound(StorageError):
    pass
