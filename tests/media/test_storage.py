"""Photo storage: the same contract for the local backend and the S3 backend.

The S3 backend talks to moto's HTTP server started in this process: a real S3 protocol peer
over real HTTP on 127.0.0.1 (signed requests, status codes, XML errors, connection failures),
not a mock of boto3. No database is needed here.
"""

import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from service.core.settings import Settings
from service.media import storage as storage_module
from service.media.s3 import S3Storage, make_client
from service.media.storage import LocalStorage, ObjectNotFound, Storage, StorageError

REGION = "ap-southeast-1"
KEY = "originals/2026/11/" + "a" * 32
# Every byte value, so nothing on the way treats the payload as text.
BINARY = bytes(range(256)) * 4
BIG = os.urandom(3 * 1024 * 1024)


def start_s3_server() -> tuple[ThreadedMotoServer, str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def create_bucket(endpoint_url: str) -> str:
    bucket = f"phananh-test-{uuid.uuid4().hex[:12]}"
    admin = boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    admin.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    return bucket


def quick_client(endpoint_url: str):
    """A client that gives up fast: for tests where the server is down or silent."""
    return make_client(
        endpoint_url=endpoint_url,
        region=REGION,
        access_key_id="test",
        secret_access_key="test",
        connect_timeout=0.5,
        read_timeout=0.5,
        max_attempts=1,  # no retry
    )


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server, endpoint_url = start_s3_server()
    yield endpoint_url
    server.stop()


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "media")
    endpoint_url = request.getfixturevalue("s3_endpoint")
    # A fresh bucket per test, and the production client settings (built by the constructor).
    return S3Storage(
        create_bucket(endpoint_url),
        endpoint_url=endpoint_url,
        region=REGION,
        access_key_id="test",
        secret_access_key="test",
    )


# --- The contract, for both backends ---------------------------------------------------


@pytest.mark.parametrize("data", [BINARY, BIG, b""], ids=["binary", "3MB", "empty"])
def test_put_then_get_returns_the_same_bytes(storage: Storage, data: bytes) -> None:
    storage.put(KEY, data, content_type="image/jpeg")
    assert storage.get(KEY) == data


def test_put_overwrites(storage: Storage) -> None:
    storage.put(KEY, b"first version, longer than the second", content_type="image/jpeg")
    storage.put(KEY, b"second", content_type="image/png")
    assert storage.get(KEY) == b"second"


def test_exists(storage: Storage) -> None:
    assert not storage.exists(KEY)
    storage.put(KEY, BINARY, content_type="image/jpeg")
    assert storage.exists(KEY)
    assert not storage.exists(KEY + "-other")
    # A "folder" prefix is not an object.
    assert not storage.exists("originals/2026")


def test_delete_removes_and_deleting_twice_is_fine(storage: Storage) -> None:
    storage.put(KEY, BINARY, content_type="image/jpeg")
    storage.delete(KEY)
    assert not storage.exists(KEY)
    with pytest.raises(ObjectNotFound):
        storage.get(KEY)
    storage.delete(KEY)
    storage.delete("never/stored")


def test_get_missing_key_raises_object_not_found(storage: Storage) -> None:
    with pytest.raises(ObjectNotFound):
        storage.get("originals/missing")
    # ObjectNotFound is a StorageError: callers that only catch StorageError still do.
    with pytest.raises(StorageError):
        storage.get("originals/missing")


def test_keys_are_kept_apart(storage: Storage) -> None:
    storage.put("originals/a", b"a", content_type="image/jpeg")
    storage.put("originals/b", b"b", content_type="image/jpeg")
    assert (storage.get("originals/a"), storage.get("originals/b")) == (b"a", b"b")


@pytest.mark.parametrize("key", ["../x", "originals/../../x", "/etc/passwd", "/x"])
def test_key_escaping_the_root_is_refused(storage: Storage, key: str) -> None:
    with pytest.raises(StorageError):
        storage.put(key, b"evil", content_type="image/jpeg")
    with pytest.raises(StorageError):
        storage.get(key)


# --- Local backend -----------------------------------------------------------------------


def test_local_escaping_key_writes_nothing_outside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "media"
    root.mkdir()
    local = LocalStorage(root)
    for key in ("../x", "../../x", str(tmp_path / "abs")):
        with pytest.raises(StorageError):
            local.put(key, b"evil", content_type="image/jpeg")
        for method in (local.get, local.exists, local.delete):
            with pytest.raises(StorageError):
                method(key)
    assert [p.name for p in tmp_path.iterdir()] == ["media"]
    assert not any(root.iterdir())


def test_local_put_leaves_no_temp_files_and_writes_the_whole_file(tmp_path: Path) -> None:
    local = LocalStorage(tmp_path)
    local.put(KEY, BIG, content_type="image/jpeg")
    local.put(KEY, BINARY, content_type="image/jpeg")  # the overwrite path too
    local.put("originals/2026/11/other", BIG, content_type="image/jpeg")
    folder = tmp_path / "originals/2026/11"
    assert sorted(p.name for p in folder.iterdir()) == sorted([Path(KEY).name, "other"])
    assert not list(tmp_path.rglob(".upload-*"))
    assert (folder / "other").read_bytes() == BIG
    assert (tmp_path / KEY).read_bytes() == BINARY


# --- S3 backend: failures and configuration ----------------------------------------------


def test_s3_server_down_raises_storage_error_quickly() -> None:
    server, endpoint_url = start_s3_server()
    s3 = S3Storage(create_bucket(endpoint_url), quick_client(endpoint_url))
    s3.put(KEY, BINARY, content_type="image/jpeg")
    assert s3.get(KEY) == BINARY
    server.stop()  # closes the listening socket: connections are now refused

    for call in (
        lambda: s3.get(KEY),
        lambda: s3.put(KEY, BINARY, content_type="image/jpeg"),
        lambda: s3.exists(KEY),
        lambda: s3.delete(KEY),
    ):
        started = time.monotonic()
        with pytest.raises(StorageError) as caught:
            call()
        assert time.monotonic() - started < 5
        # Not the "missing object" answer: the object may well be there.
        assert not isinstance(caught.value, ObjectNotFound)


def test_s3_silent_server_times_out_as_storage_error() -> None:
    # A peer that accepts TCP connections (kernel backlog) but never answers: a hung service.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        host, port = silent.getsockname()
        s3 = S3Storage("phananh-media", quick_client(f"http://{host}:{port}"))
        for call in (lambda: s3.get(KEY), lambda: s3.put(KEY, BINARY, content_type="image/jpeg")):
            started = time.monotonic()
            with pytest.raises(StorageError):
                call()
            assert time.monotonic() - started < 5


def test_s3_missing_bucket_is_a_storage_error_not_a_missing_object(s3_endpoint: str) -> None:
    s3 = S3Storage("phananh-no-such-bucket", quick_client(s3_endpoint))
    with pytest.raises(StorageError) as caught:
        s3.get(KEY)
    assert not isinstance(caught.value, ObjectNotFound)
    with pytest.raises(StorageError):
        s3.put(KEY, BINARY, content_type="image/jpeg")


def test_s3_stores_the_content_type(s3_endpoint: str) -> None:
    s3 = S3Storage(create_bucket(s3_endpoint), quick_client(s3_endpoint))
    s3.put(KEY, BINARY, content_type="image/webp")
    head = s3.client.head_object(Bucket=s3.bucket, Key=KEY)
    assert head["ContentType"] == "image/webp"
    assert head["ContentLength"] == len(BINARY)


def s3_settings(endpoint_url: str, bucket: str) -> Settings:
    return Settings(
        storage_backend="s3",
        s3_bucket=bucket,
        s3_endpoint_url=endpoint_url,
        s3_region=REGION,
        s3_access_key_id="test",
        s3_secret_access_key="super-secret-value",
    )


def test_from_settings_builds_a_working_path_style_client(s3_endpoint: str, caplog: pytest.LogCaptureFixture) -> None:
    bucket = create_bucket(s3_endpoint)
    with caplog.at_level(logging.DEBUG, logger="service"):
        s3 = S3Storage.from_settings(s3_settings(s3_endpoint, bucket))
    assert s3.bucket == bucket
    config = s3.client.meta.config
    assert s3.client.meta.endpoint_url == s3_endpoint
    assert config.s3["addressing_style"] == "path"
    assert (config.connect_timeout, config.read_timeout) == (3, 20)
    assert config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert "super-secret-value" not in caplog.text
    assert "super-secret-value" not in repr(s3)
    s3.put(KEY, BINARY, content_type="image/jpeg")
    assert s3.get(KEY) == BINARY


def test_get_storage_returns_s3_when_settings_say_so(monkeypatch: pytest.MonkeyPatch, s3_endpoint: str) -> None:
    settings = s3_settings(s3_endpoint, create_bucket(s3_endpoint))
    monkeypatch.setattr("service.core.settings.get_settings", lambda: settings)
    storage_module.get_storage.cache_clear()
    try:
        chosen = storage_module.get_storage()
        assert isinstance(chosen, S3Storage)
        assert chosen.bucket == settings.s3_bucket
    finally:
        storage_module.get_storage.cache_clear()
