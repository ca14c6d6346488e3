"""Configuration read from environment variables, with safe defaults for the demo.

Every setting that changes between a laptop demo and a county deployment comes from the
environment; nothing else is configurable at run time.
"""
import os

#: The key used when SECRET_KEYS is not set. Fine for a demo, refused in production.
DEMO_SECRET = "demo-only-secret-change-me"


def _secret_keys(raw):
    """Split SECRET_KEYS ("old,new") into a list, oldest first, ignoring blanks."""
    keys = [key.strip() for key in (raw or "").split(",") if key.strip()]
    return keys or [DEMO_SECRET]


def _sqlite_url(instance_path):
    return "sqlite:///" + os.path.join(instance_path, "service_codes.sqlite3")


def _database_url(raw, instance_path):
    if not raw:
        return _sqlite_url(instance_path)
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants a driver name.
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://"):]
    if raw.startswith("postgresql://"):
        raw = "postgresql+psycopg://" + raw[len("postgresql://"):]
    return raw


def load_config(instance_path, environ=None):
    """Build the configuration mapping from ``environ`` (default: ``os.environ``)."""
    env = os.environ if environ is None else environ
    keys = _secret_keys(env.get("SECRET_KEYS"))
    redis_url = env.get("REDIS_URL") or None
    return {
        "ENV_NAME": env.get("APP_ENV", "development"),
        "SECRET_KEYS": keys,
        # Flask's own session cookie signs with the newest key.
        "SECRET_KEY": keys[-1],
        "SQLALCHEMY_DATABASE_URI": _database_url(env.get("DATABASE_URL"), instance_path),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_ENABLED": env.get("RATELIMIT_ENABLED", "1") != "0",
        # How many proxies (load balancers) stand in front of the app and set X-Forwarded-For/-Proto;
        # 0 when clients connect directly. Rate limits count per client address.
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", 0)),
        "ACCESS_TOKEN_LIFETIME": int(env.get("ACCESS_TOKEN_LIFETIME", 8 * 3600)),
        "DYNAMIC_CODE_LIFETIME": int(env.get("DYNAMIC_CODE_LIFETIME", 60)),
        # How far a phone clock may be off when we judge "not yet valid" / "expired".
        "VALIDITY_TOLERANCE_SECONDS": int(env.get("VALIDITY_TOLERANCE_SECONDS", 300)),
        "API_TITLE": "入企服务码 Phone API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }


def check_production_safety(config):
    """Raise RuntimeError when a production app would run with the demo secret."""
    if config["ENV_NAME"] == "production" and DEMO_SECRET in config["SECRET_KEYS"]:
        raise RuntimeError(
            "APP_ENV=production needs SECRET_KEYS set to real secrets; the demo secret is refused."
        )
