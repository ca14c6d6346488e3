"""Configuration from the environment, and the refusal to run production on the demo secret."""
import pytest

from server import create_app
from server.config import DEMO_SECRET, load_config


def test_defaults_are_a_sqlite_file_under_instance_and_the_demo_secret(tmp_path):
    config = load_config(str(tmp_path), environ={})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/service_codes.sqlite3"
    assert config["SECRET_KEYS"] == [DEMO_SECRET]
    assert config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_environment_sets_keys_oldest_first_database_host_and_redis(tmp_path):
    config = load_config(str(tmp_path), environ={
        "SECRET_KEYS": " old-key , ,new-key ",
        "DATABASE_URL": "postgres://svc@db.internal/service_codes",
        "PUBLIC_BASE_URL": "https://fwm.hnzwfw.gov.cn/",
        "REDIS_URL": "redis://127.0.0.1:6379/3",
    })
    assert config["SECRET_KEYS"] == ["old-key", "new-key"]
    assert config["SECRET_KEY"] == "new-key"
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://svc@db.internal/service_codes"
    assert config["PUBLIC_BASE_URL"] == "https://fwm.hnzwfw.gov.cn"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"


def test_production_refuses_the_demo_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEYS", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="SECRET_KEYS"):
        create_app()


def test_production_starts_with_real_keys(monkeypatch, tmp_path):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEYS", "a-real-secret-of-the-county")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/prod.sqlite3")
    app = create_app()
    assert app.config["SECRET_KEYS"] == ["a-real-secret-of-the-county"]


def test_sign_in_is_rate_limited_with_the_json_error_shape(database_url, _migrated):
    from tests.conftest import make_app

    app = make_app(_migrated, RATELIMIT_ENABLED=True)
    client = app.test_client()
    # A distinct client address per run keeps a shared Redis from carrying counts between runs.
    import uuid

    address = "10.9.%d.%d" % divmod(uuid.uuid4().int % 65000, 250)
    statuses = [client.post("/api/v1/auth/token", json={"username": "nobody", "password": "wrong-password"},
                            environ_base={"REMOTE_ADDR": address}).status_code for _ in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    body = client.post("/api/v1/auth/token", json={"username": "nobody", "password": "x"},
                       environ_base={"REMOTE_ADDR": address}).get_json()
    assert body["code"] == 429 and body["message"] == "请求过于频繁，请稍后再试"
