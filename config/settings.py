"""Settings for each environment; every secret and address comes from the environment."""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "config"
DEFAULT_INSTANCE = ROOT / "instance"


class ConfigError(RuntimeError):
    """Raised at start-up when the environment lacks something the portal needs."""


class Base:
    ENV_NAME = "base"
    SERVICE_NAME = "Safeguarding practice reviewer accreditation"
    DEBUG = False
    TESTING = False

    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # A connection the database dropped (a restart, a failover) is found and replaced before
    # a request uses it, so the service recovers by itself.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    WTF_CSRF_TIME_LIMIT = 60 * 60 * 4
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024

    SESSION_COOKIE_NAME = "portal_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    SESSION_REFRESH_EACH_REQUEST = True
    # A session ends after 30 minutes without a request, and after 12 hours however busy
    # (ASVS 3.3.2, level 2); both are enforced from its row in user_sessions.
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=30)
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    SEND_HSTS = True

    EMAIL_CONFIRMATION_MAX_AGE = 60 * 60 * 24
    PASSWORD_RESET_MAX_AGE = 60 * 60
    # A referee's link works once, for this long; reminders go after these many days.
    REFEREE_LINK_DAYS = 42
    REFEREE_REMINDER_DAYS = 7
    REFEREE_MAX_REMINDERS = 2

    SIGN_IN_ACCOUNT_LIMIT = "5 per 15 minutes"
    SIGN_IN_ADDRESS_LIMIT = "20 per 15 minutes"
    SIGN_UP_ADDRESS_LIMIT = "10 per hour"
    EMAIL_LINK_ADDRESS_LIMIT = "10 per hour"
    # Public pages anyone can script against: the register's search and credential checks.
    REGISTER_SEARCH_ADDRESS_LIMIT = "60 per minute"
    VERIFY_ADDRESS_LIMIT = "20 per minute"
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_STRATEGY = "fixed-window"

    MAIL_FROM = "Safeguarding reviewer accreditation <no-reply@accreditation.invalid>"
    OUTBOX_MAX_ATTEMPTS = 12
    OUTBOX_WATCH_INTERVAL = 5.0

    LOG_JSON = True
    # Demo and test accounts use the reserved .test domain, which email validation refuses.
    ALLOW_TEST_EMAIL_DOMAIN = False

    def __init__(self) -> None:
        env = os.environ
        self.INSTANCE_PATH = Path(env.get("INSTANCE_PATH", str(DEFAULT_INSTANCE)))
        self.SECRET_KEY: str | None = env.get("SECRET_KEY")
        # Encrypts the credential signing keys at rest; SECRET_KEY when not set.
        self.CREDENTIAL_KEY_SECRET: str | None = env.get("CREDENTIAL_KEY_SECRET")
        self.SQLALCHEMY_DATABASE_URI: str | None = env.get("DATABASE_URL")
        self.REDIS_URL: str | None = env.get("REDIS_URL")
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        # Redis unreachable: give up within seconds and raise limits.errors.StorageError, which
        # the portal answers by refusing sign-in for the moment (it fails closed).
        self.RATELIMIT_STORAGE_OPTIONS: dict[str, Any] = {"wrap_exceptions": True}
        if self.REDIS_URL:
            self.RATELIMIT_STORAGE_OPTIONS.update(socket_connect_timeout=2, socket_timeout=2)
        self.SMTP_HOST: str | None = env.get("SMTP_HOST")
        self.SMTP_PORT = int(env.get("SMTP_PORT", "25"))
        self.SMTP_USERNAME: str | None = env.get("SMTP_USERNAME")
        self.SMTP_PASSWORD: str | None = env.get("SMTP_PASSWORD")
        self.SMTP_STARTTLS = env.get("SMTP_STARTTLS", "false").lower() == "true"
        self.MAIL_TRANSPORT = "smtp" if self.SMTP_HOST else "file"
        self.OUTBOX_DIR = self.INSTANCE_PATH / "outbox"
        # Uploaded work samples and evidence: outside the web root, never served as static files.
        self.UPLOAD_DIR = Path(env.get("UPLOAD_DIR", str(self.INSTANCE_PATH / "uploads")))
        # Seals uploaded files at rest (AES-256-GCM): 32 bytes in URL-safe base64. Older keys,
        # comma-separated, are still accepted for reading while files are re-sealed.
        self.UPLOAD_ENCRYPTION_KEY: str | None = env.get("UPLOAD_ENCRYPTION_KEY")
        self.UPLOAD_ENCRYPTION_OLD_KEYS: str = env.get("UPLOAD_ENCRYPTION_OLD_KEYS", "")
        self.PUBLIC_URL = env.get("PUBLIC_URL", "http://127.0.0.1:5000")
        # How many reverse proxies stand in front of the portal. Their X-Forwarded-For, -Proto
        # and -Host are believed, that many hops deep, so per-address limits see the person's
        # address; with none (the default) those headers are ignored, as anyone can send them.
        self.TRUSTED_PROXIES = _count(env.get("TRUSTED_PROXIES", "0"), "TRUSTED_PROXIES")
        self.MAIL_FROM = env.get("MAIL_FROM", self.MAIL_FROM)
        self.DEMO_PASSWORD: str | None = env.get("DEMO_PASSWORD")
        # OpenID Connect providers people may sign in with; their secrets come from the
        # environment variables the file names.
        self.IDENTITY_PROVIDERS_FILE: Path | None = Path(
            env.get("IDENTITY_PROVIDERS_FILE", str(CONFIG_DIR / "identity_providers.yaml"))
        )

    def validate(self) -> None:
        """Refuse to start without what this environment needs."""

    def _derived_upload_key(self) -> str:
        """Development and tests only: a key derived from SECRET_KEY, stable between runs."""
        secret = (self.SECRET_KEY or "").encode("utf-8")
        digest = hashlib.sha256(b"portal-upload-encryption:" + secret).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii")


class Development(Base):
    ENV_NAME = "development"
    ALLOW_TEST_EMAIL_DOMAIN = True
    SESSION_COOKIE_SECURE = False
    SEND_HSTS = False
    LOG_JSON = False
    DEFAULT_DEMO_PASSWORD = "demo-password-2026"  # noqa: S105  (documented, development only)

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = self.SECRET_KEY or "development-only-not-secret"
        self.SQLALCHEMY_DATABASE_URI = self.SQLALCHEMY_DATABASE_URI or (
            f"sqlite:///{self.INSTANCE_PATH / 'portal.db'}"
        )
        self.DEMO_PASSWORD = self.DEMO_PASSWORD or self.DEFAULT_DEMO_PASSWORD
        self.UPLOAD_ENCRYPTION_KEY = self.UPLOAD_ENCRYPTION_KEY or self._derived_upload_key()


class Test(Base):
    __test__ = False  # not a pytest test class
    ENV_NAME = "test"
    ALLOW_TEST_EMAIL_DOMAIN = True
    TESTING = True
    SESSION_COOKIE_SECURE = False
    SEND_HSTS = False
    LOG_JSON = False
    EMAIL_CONFIRMATION_MAX_AGE = 60 * 60 * 24
    DEMO_PASSWORD_DEFAULT = "test-password-2026"  # noqa: S105  (tests only)

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = "test-only-not-secret"  # noqa: S105  (tests only)
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.RATELIMIT_STORAGE_OPTIONS = {"wrap_exceptions": True}
        self.DEMO_PASSWORD = self.DEMO_PASSWORD_DEFAULT
        self.UPLOAD_ENCRYPTION_KEY = self._derived_upload_key()
        # Tests configure the providers they use themselves.
        self.IDENTITY_PROVIDERS_FILE = None


class Production(Base):
    ENV_NAME = "production"

    def validate(self) -> None:
        needed = ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "UPLOAD_ENCRYPTION_KEY")
        missing = [name for name in needed if not getattr(self, name)]
        if missing:
            labels = {
                "SECRET_KEY": "SECRET_KEY",
                "SQLALCHEMY_DATABASE_URI": "DATABASE_URL",
                "UPLOAD_ENCRYPTION_KEY": "UPLOAD_ENCRYPTION_KEY",
            }
            names = ", ".join(labels[m] for m in missing)
            raise ConfigError(f"Production configuration needs {names} in the environment.")
        if self.SECRET_KEY is not None and len(self.SECRET_KEY) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters in production.")
        for text in [self.UPLOAD_ENCRYPTION_KEY or "", *self.UPLOAD_ENCRYPTION_OLD_KEYS.split(",")]:
            if text.strip() and len(_b64(text)) != 32:
                raise ConfigError(
                    "UPLOAD_ENCRYPTION_KEY (and each of UPLOAD_ENCRYPTION_OLD_KEYS) must be 32 "
                    "bytes in URL-safe base64: make one with `flask --app wsgi uploads new-key`."
                )


def _count(text: str, name: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise ConfigError(f"{name} must be a whole number, 0 or more (it is {text!r}).")
    return value


def _b64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except ValueError:
        return b""


ENVIRONMENTS: dict[str, type[Base]] = {
    "development": Development,
    "test": Test,
    "production": Production,
}


def settings_for(name: str | None = None) -> Base:
    """Build the settings for an environment name (PORTAL_ENV; production unless told otherwise)."""
    chosen = name or os.environ.get("PORTAL_ENV", "production")
    try:
        settings = ENVIRONMENTS[chosen]()
    except KeyError as exc:
        raise ConfigError(f"Unknown PORTAL_ENV {chosen!r}.") from exc
    settings.validate()
    return settings


def as_mapping(settings: Base) -> dict[str, Any]:
    return {key: getattr(settings, key) for key in dir(settings) if key.isupper()}
