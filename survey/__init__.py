"""The trainee feedback survey service: a Flask application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, g

from reports import languages
from survey.config import Config, instance_secret_key

_PACKAGE = Path(__file__).resolve().parent


def _asset_folder(name: str) -> str:
    """templates/ and static/ sit at the top of the repository, and inside the
    package once installed from a wheel."""
    installed = _PACKAGE / name
    return str(installed if installed.is_dir() else _PACKAGE.parent / name)


def create_app(config: type[Config] | dict[str, Any] | None = None) -> Flask:
    """Build the application; ``config`` overrides the environment (tests pass TestConfig)."""
    app = Flask(
        __name__,
        template_folder=_asset_folder("templates"),
        static_folder=_asset_folder("static"),
        instance_path=str(Config.INSTANCE_DIR),
    )
    register_config(app, config)
    register_request_state(app)
    register_limits(app)
    register_extensions(app)
    register_report_queue(app)
    register_i18n(app)
    register_blueprints(app)
    register_templating(app)
    register_security_headers(app)
    register_cli(app)
    return app


def register_config(app: Flask, config: type[Config] | dict[str, Any] | None) -> None:
    app.config.from_mapping(Config.as_dict())
    if isinstance(config, dict):
        app.config.from_mapping(config)
    elif config is not None:
        app.config.from_mapping(config.as_dict())
    if not languages.is_supported(app.config["DEFAULT_LANGUAGE"]):
        raise ValueError(
            f"SURVEY_DEFAULT_LANGUAGE={app.config['DEFAULT_LANGUAGE']!r}: not one of {', '.join(languages.CODES)}"
        )
    # The default database file lives there: it must exist before the first migration.
    # It holds the database and the secret key: its owner's only.
    instance = Path(app.config["INSTANCE_DIR"])
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    instance.chmod(0o700)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.config["INSTANCE_DIR"]))


def register_request_state(app: Flask) -> None:
    """Start every request with an empty ``g``.

    ``g`` lives in the application context, which outlives a request when one
    was pushed already (the CLI, the tests): without this, one request's
    signed-in user or language would leak into the next.
    """

    from survey.web.form_body import SurveyRequest

    def fresh_g() -> None:
        g.__dict__.clear()

    app.before_request(fresh_g)
    # Reads a form body field by field: a byte that is not UTF-8 costs one answer, not all.
    app.request_class = SurveyRequest


def register_limits(app: Flask) -> None:
    """Rate limits first: an app that would count them per process among several is refused."""
    from survey.web.limits import init_limits

    init_limits(app)


def register_extensions(app: Flask) -> None:
    from survey.extensions import csrf, db
    from survey.storage.engines import make_engine

    db.init_app(app, make_engine(app.config["SQLALCHEMY_DATABASE_URI"]))
    csrf.init_app(app)


def register_report_queue(app: Flask) -> None:
    """The queue of report jobs (survey.services.report_queue), as ``app.extensions["survey.report_queue"]``."""
    from datetime import timedelta

    from survey.services.report_documents import plotly_bundle
    from survey.services.report_jobs import JobSettings
    from survey.services.report_queue import ReportQueue

    instance = Path(app.config["INSTANCE_DIR"])
    settings = JobSettings(
        files=Path(app.config["REPORT_FILES"] or instance / "report-files"),
        keep=timedelta(minutes=float(app.config["REPORT_KEEP_MINUTES"])),
        heartbeat=timedelta(seconds=float(app.config["REPORT_HEARTBEAT_SECONDS"])),
        plotly_js=plotly_bundle(app.static_folder),
        retention=timedelta(days=float(app.config["REPORT_JOB_RETENTION_DAYS"])),
    )
    app.extensions["survey.report_queue"] = ReportQueue(app.config["REPORT_QUEUE_URL"], instance, settings)


def register_i18n(app: Flask) -> None:
    from survey.web.i18n import init_i18n

    init_i18n(app)


def register_blueprints(app: Flask) -> None:
    from survey.web import admin, api, auth, errors, evaluator, kiosk, organiser, tokens, trainee
    from survey.web.access_log import register_access_log
    from survey.web.form_guard import init_form_guard

    app.register_blueprint(trainee.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(organiser.bp)
    app.register_blueprint(kiosk.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(evaluator.bp)
    app.register_blueprint(tokens.bp)
    app.register_blueprint(api.bp)
    errors.register(app)
    register_access_log(app)
    auth.init_login(app)
    init_form_guard(app)


def register_templating(app: Flask) -> None:
    from survey.web.templating import register_templating as register

    register(app)


def register_security_headers(app: Flask) -> None:
    from survey.web.compression import register_compression
    from survey.web.security import add_security_headers

    # after_request runs in reverse order: headers first, compression last.
    register_compression(app)
    app.after_request(add_security_headers)


def register_cli(app: Flask) -> None:
    from survey.cli import register_commands

    register_commands(app)
