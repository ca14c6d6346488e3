"""入企服务码 — the application factory."""
import os

from flask import Flask

from .config import check_production_safety, load_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(test_config=None):
    """Build the application. ``test_config`` overrides the environment (tests, scripts).

    Raises RuntimeError when production mode would run with the demo secret.
    """
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or os.path.join(ROOT, "instance"),
        template_folder=os.path.join(ROOT, "templates"),
    )
    app.config.update(load_config(app.instance_path))
    if test_config:
        app.config.update(test_config)
        app.config["SECRET_KEY"] = app.config["SECRET_KEYS"][-1]
    check_production_safety(app.config)
    # JSON answers carry Chinese as UTF-8, not as \uXXXX escapes: half the bytes, readable in a log;
    # keys in the order the answer builds them (sorting every answer costs the scan at the door).
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    os.makedirs(app.instance_path, exist_ok=True)

    from .extensions import babel, csrf, db, limiter, login_manager, migrate
    from . import models  # noqa: F401  (registers every table for migrations)
    from .protection import init_protection

    init_protection(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"), render_as_batch=True)
    limiter.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    from .web.i18n import select_locale

    babel.init_app(app, locale_selector=select_locale, default_timezone="Asia/Shanghai",
                   default_translation_directories=os.path.join(ROOT, "translations"))

    from mini_program_api import init_api
    from .web import init_web
    from .cli import init_cli

    init_api(app)
    init_web(app)
    init_cli(app)
    return app
