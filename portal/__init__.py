"""The reviewer accreditation and professional development portal."""

from __future__ import annotations

from typing import Any

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from config.settings import ROOT, Base, as_mapping, settings_for


def create_app(config: Base | str | None = None, **overrides: Any) -> Flask:
    """Build the app; production settings unless PORTAL_ENV or `config` say otherwise."""
    settings = config if isinstance(config, Base) else settings_for(config)
    app = Flask(
        __name__,
        static_folder=str(ROOT / "portal" / "static"),
        static_url_path="/assets",
        instance_path=str(settings.INSTANCE_PATH),
        instance_relative_config=False,
    )
    app.config.update(as_mapping(settings))
    app.config.update(overrides)

    _configure_logging(app)
    _configure_proxies(app)
    _configure_email_validation(app)
    _configure_templates(app)
    _init_extensions(app)
    _register_core(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


def _configure_logging(app: Flask) -> None:
    from portal.core.logging import configure_logging

    configure_logging(json_logs=bool(app.config["LOG_JSON"]))


def _configure_proxies(app: Flask) -> None:
    hops = int(app.config.get("TRUSTED_PROXIES", 0))
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )


def _configure_email_validation(app: Flask) -> None:
    if app.config["ALLOW_TEST_EMAIL_DOMAIN"]:
        import email_validator

        email_validator.SPECIAL_USE_DOMAIN_NAMES = [
            name for name in email_validator.SPECIAL_USE_DOMAIN_NAMES if name != "test"
        ]


def _configure_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "portal" / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)


def _init_extensions(app: Flask) -> None:
    from portal.core.db import configure_sqlite
    from portal.extensions import csrf, db, limiter, login_manager, migrate, oauth

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    oauth.init_app(app)


def _register_core(app: Flask) -> None:
    from portal.core.errors import register_error_handlers
    from portal.core.requests import register_request_ids
    from portal.core.security import register_security_headers
    from portal.core.templating import register_template_helpers

    register_request_ids(app)
    register_security_headers(app)
    register_error_handlers(app)
    register_template_helpers(app)


def _register_blueprints(app: Flask) -> None:
    from portal import (
        admin,
        api,
        applications,
        auth,
        cpd,
        credentials,
        framework,
        home,
        organisations,
        peer_qa,
        privacy,
        register,
        reporting,
    )

    auth.init_app(app)
    for feature in (
        auth,
        home,
        admin,
        organisations,
        framework,
        applications,
        cpd,
        register,
        peer_qa,
        credentials,
        reporting,
        api,
        privacy,
    ):
        app.register_blueprint(feature.bp)
    api.init_app(app)


def _register_cli(app: Flask) -> None:
    from portal.api.cli import api_cli
    from portal.applications.cli import applications_cli
    from portal.auth.cli import users_cli
    from portal.core.cli import backup_command, outbox_cli, restore_command, uploads_cli
    from portal.cpd.cli import cpd_cli
    from portal.credentials.cli import credentials_cli
    from portal.demo.cli import demo_cli
    from portal.framework.cli import framework_cli, schemes_cli
    from portal.organisations.cli import organisations_cli
    from portal.peer_qa.cli import peer_qa_cli
    from portal.privacy.cli import retention_cli
    from portal.reporting.cli import reporting_cli

    app.cli.add_command(outbox_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(uploads_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(organisations_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(schemes_cli)
    app.cli.add_command(framework_cli)
    app.cli.add_command(applications_cli)
    app.cli.add_command(cpd_cli)
    app.cli.add_command(peer_qa_cli)
    app.cli.add_command(credentials_cli)
    app.cli.add_command(api_cli)
    app.cli.add_command(retention_cli)
    app.cli.add_command(reporting_cli)
