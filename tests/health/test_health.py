"""Liveness and readiness against the real database and Redis, and a really absent Redis."""

import gc

import redis

import service.health.router as health


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_checks_postgis_and_redis(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"] and body["checks"]["database"]["detail"].startswith("PostGIS 3")
    assert body["checks"]["redis"] == {"ok": True, "detail": "PONG"}


def test_readyz_is_503_naming_redis_when_it_is_unreachable(client, monkeypatch):
    # Nothing listens on port 1: a real refused connection, not a mock.
    monkeypatch.setattr(health, "get_redis", lambda: redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1))
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "not_ready"
    assert body["field"] == "redis"
    assert body["checks"]["redis"]["ok"] is False and "ConnectionError" in body["checks"]["redis"]["detail"]
    assert body["checks"]["database"]["ok"] is True


def test_readyz_is_503_naming_the_database_when_it_is_unreachable(client, monkeypatch):
    from sqlalchemy import create_engine

    engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none", connect_args={"connect_timeout": 1})
    monkeypatch.setattr(health, "get_engine", lambda: engine)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["field"] == "database"
    assert response.json()["checks"]["redis"]["ok"] is True


def test_unknown_routes_and_methods_keep_the_error_shape(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    wrong_method = client.delete("/api/v1/categories")
    assert wrong_method.status_code == 405 and wrong_method.json()["code"] == "method_not_allowed"


def test_the_app_sets_what_it_loaded_aside_from_the_garbage_collector(client):
    # The client ran the app's start-up: the collector's full sweeps pass over what it loaded
    # (their speed is measured in bench/ioc.py, not here).
    assert gc.get_freeze_count() > 10_000
