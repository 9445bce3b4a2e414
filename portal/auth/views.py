"""Account pages: sign up, confirm, sign in and out, reset a password, your account."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from flask import (
    abort,
    after_this_request,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import RouteLimit
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from portal.auth import (
    MFA_DONE,
    bp,
    oidc,
    policies,
    queries,
    services,
    sessions,
    single_sign_on,
)
from portal.auth import two_factor as second_factor
from portal.auth.forms import (
    DeleteAccountForm,
    EmailOnlyForm,
    NewPasswordForm,
    SecurityCodeForm,
    SignInForm,
    SignUpForm,
)
from portal.auth.identity_providers import (
    IdentityProvider,
    SignInProblem,
    configured_providers,
    provider_named,
)
from portal.auth.models import BrowserSession, User
from portal.auth.passwords import fingerprint
from portal.core.errors import DomainError
from portal.core.forms import ActionForm, apply_domain_error
from portal.core.permissions import public, require_sign_in
from portal.core.security import safe_next
from portal.extensions import db, limiter

View = str | Response | tuple[str, int]


def _account_key() -> str:
    return "sign-in-account:" + services.normalise_email(request.form.get("email", ""))[:320]


def _address_key() -> str:
    return "sign-in-address:" + (request.remote_addr or "unknown")


def _sign_in_failed(_response: Response) -> bool:
    return bool(g.get("sign_in_failed"))


def _limit(name: str) -> str:
    return str(current_app.config[name])


def _failures_limited(
    limit: str, key_func: Callable[[], str], scope: str, method: str = "POST"
) -> RouteLimit:
    """Count only failed attempts (g.sign_in_failed) against `limit`, per `key_func`."""
    return limiter.limit(
        lambda: _limit(limit),
        key_func=key_func,
        methods=[method],
        deduct_when=_sign_in_failed,
        scope=scope,
    )


KNOWN_BROWSER_COOKIE = "portal_known_browser"
KNOWN_BROWSER_SALT = "known-browser"


def _known_user_ids() -> list[int]:
    """Accounts that have signed in from this browser before (a signed cookie)."""
    raw = request.cookies.get(KNOWN_BROWSER_COOKIE, "")
    try:
        ids = URLSafeSerializer(str(current_app.config["SECRET_KEY"]), KNOWN_BROWSER_SALT).loads(
            raw
        )
    except BadSignature:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def _remember_browser(user: User) -> None:
    known = _known_user_ids()
    if user.id in known:
        return
    value = URLSafeSerializer(str(current_app.config["SECRET_KEY"]), KNOWN_BROWSER_SALT).dumps(
        [*known, user.id][-20:]
    )

    @after_this_request
    def _set(response: Response) -> Response:
        response.set_cookie(
            KNOWN_BROWSER_COOKIE,
            value,
            max_age=60 * 60 * 24 * 365,
            httponly=True,
            samesite="Lax",
            secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        )
        return response


def _browser() -> str:
    return (request.user_agent.string or "")[:200]


# The identity provider a session was started with, and its ID token: sign-out asks the
# provider to end its session too.
PROVIDER_SESSION = "idp"


def _start_session(
    user: User, *, second_factor: bool = False, provider_session: Any = None
) -> None:
    """A fresh session for `user`: a new row and token, nothing carried over from before
    signing in (no session fixation). The caller commits."""
    session.clear()
    sessions.start_session(user, browser=_browser())
    login_user(user)
    session.permanent = True
    if second_factor:
        session[MFA_DONE] = True
    if provider_session:
        session[PROVIDER_SESSION] = provider_session
    _remember_browser(user)


@bp.route("/sign-up", methods=["GET", "POST"])
@public
@limiter.limit(lambda: _limit("SIGN_UP_ADDRESS_LIMIT"), key_func=_address_key, methods=["POST"])
def sign_up() -> View:
    if current_user.is_authenticated:
        return redirect(url_for("home.dashboard"))
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            services.register_account(
                name=form.name.data, email=form.email.data, password=form.password.data
            )
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc.message, exc.field)
        else:
            db.session.commit()
            session["check_email"] = services.normalise_email(form.email.data)
            return redirect(url_for("auth.check_email"))
    return render_template("auth/sign_up.html", form=form)


@bp.route("/sign-up/check-your-email")
@public
def check_email() -> View:
    return render_template("auth/check_email.html", email=session.get("check_email"))


@bp.route("/confirm-email/<string:token>", methods=["GET", "POST"])
@public
def confirm_email(token: str) -> View:
    form = ActionForm()
    try:
        user = services.user_for_confirmation(token)
    except services.LinkProblem as exc:
        return render_template("auth/link_problem.html", problem=exc, kind="confirm"), 400
    if form.validate_on_submit():
        services.confirm_email(token)
        db.session.commit()
        flash("Your email address is confirmed. You can now sign in.", "success")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/confirm_email.html", form=form, user=user)


@bp.route("/confirm-email/resend", methods=["GET", "POST"])
@public
@limiter.limit(lambda: _limit("EMAIL_LINK_ADDRESS_LIMIT"), key_func=_address_key, methods=["POST"])
def resend_confirmation() -> View:
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.resend_confirmation(form.email.data)
        db.session.commit()
        session["check_email"] = services.normalise_email(form.email.data)
        return redirect(url_for("auth.check_email"))
    return render_template("auth/resend_confirmation.html", form=form)


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@_failures_limited("SIGN_IN_ACCOUNT_LIMIT", _account_key, "sign-in-account")
@_failures_limited("SIGN_IN_ADDRESS_LIMIT", _address_key, "sign-in-address")
def sign_in() -> View:
    next_url = safe_next(request.args.get("next"), url_for("home.dashboard"))
    if current_user.is_authenticated:
        return redirect(next_url)
    form = SignInForm()
    unconfirmed = False
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                email=form.email.data, password=form.password.data, browser=_browser()
            )
            if user.id not in _known_user_ids():
                services.notify_new_browser(user, _browser())
        except services.EmailNotConfirmed as exc:
            db.session.rollback()
            unconfirmed = True
            apply_domain_error(form, exc.message, exc.field)
        except DomainError as exc:
            db.session.rollback()
            g.sign_in_failed = True
            apply_domain_error(form, exc.message, exc.field)
        else:
            if user.two_factor_enabled:
                # Not signed in yet: the second factor comes first.
                db.session.commit()
                _await_second_factor(user, next_url)
                return redirect(url_for("auth.two_factor"))
            _start_session(user)
            db.session.commit()
            return redirect(next_url)
    elif request.method == "POST":
        g.sign_in_failed = True
    return render_template(
        "auth/sign_in.html",
        form=form,
        unconfirmed=unconfirmed,
        providers=configured_providers(),
        next=next_url if next_url == request.args.get("next") else None,
    )


PENDING_USER = "mfa_pending_user"
PENDING_SINCE = "mfa_pending_since"
PENDING_NEXT = "mfa_pending_next"
PENDING_MARK = "mfa_pending_mark"
# The password (or provider) step is good for this long while the second factor is awaited.
SECOND_FACTOR_WINDOW = 10 * 60
PENDING_PROVIDER = "mfa_pending_provider"
PROVIDER_NEXT = "idp_next"


def _provider_or_404(name: str) -> IdentityProvider:
    provider = provider_named(name)
    if provider is None:
        abort(404)
    return provider


def _provider_problem(provider: IdentityProvider, problem: SignInProblem) -> tuple[str, int]:
    return (
        render_template("auth/provider_problem.html", provider=provider, problem=problem),
        problem.status,
    )


@bp.route("/sign-in/with/<string:provider>")
@public
def start_provider_sign_in(provider: str) -> View:
    """Off to the provider; only the state, nonce and PKCE verifier are kept (in the session)."""
    chosen = _provider_or_404(provider)
    next_url = safe_next(request.args.get("next"), url_for("home.dashboard"))
    if current_user.is_authenticated:
        return redirect(next_url)
    callback = url_for("auth.provider_callback", provider=chosen.name, _external=True)
    try:
        response = oidc.start(chosen, callback)
    except SignInProblem as exc:
        return _provider_problem(chosen, exc)
    session[PROVIDER_NEXT] = next_url
    return response


@bp.route("/sign-in/with/<string:provider>/callback")
@public
@_failures_limited("SIGN_IN_ADDRESS_LIMIT", _address_key, "sign-in-address", method="GET")
def provider_callback(provider: str) -> View:
    chosen = _provider_or_404(provider)
    if current_user.is_authenticated:
        return redirect(url_for("home.dashboard"))
    try:
        assertion = oidc.finish(chosen)
        result = single_sign_on.sign_in_with_provider(
            chosen, assertion.identity, browser=_browser()
        )
        if not result.created and result.user.id not in _known_user_ids():
            services.notify_new_browser(result.user, _browser())
    except SignInProblem as exc:
        db.session.rollback()
        g.sign_in_failed = True
        return _provider_problem(chosen, exc)
    user = result.user
    next_url = safe_next(session.get(PROVIDER_NEXT), url_for("home.dashboard"))
    provider_session = {"provider": chosen.name, "id_token": assertion.id_token}
    if assertion.multi_factor:
        # The provider checked a second factor: ours would be a third.
        _start_session(user, second_factor=True, provider_session=provider_session)
    elif user.two_factor_enabled:
        db.session.commit()
        _await_second_factor(user, next_url)
        session[PENDING_PROVIDER] = provider_session
        return redirect(url_for("auth.two_factor"))
    else:
        _start_session(user, provider_session=provider_session)
    db.session.commit()
    return redirect(next_url)


SETUP_SECRET = "mfa_setup_secret"  # noqa: S105  (a session key, not a secret)  # nosec B105
NEW_CODES = "mfa_new_recovery_codes"


def _await_second_factor(user: User, next_url: str) -> None:
    """A fresh cookie that holds only who passed the first step, and when: no session row
    yet, so nothing is signed in until the second factor is done."""
    session.clear()
    session[PENDING_USER] = user.id
    session[PENDING_SINCE] = time.time()
    session[PENDING_NEXT] = next_url
    # The password as it was (a short digest of its hash), so a first step passed before a
    # password reset can't be finished after it.
    session[PENDING_MARK] = fingerprint(user.password_hash)


def _pending_user() -> User | None:
    user_id, since = session.get(PENDING_USER), session.get(PENDING_SINCE)
    if not isinstance(user_id, int) or not isinstance(since, int | float):
        return None
    if not 0 <= time.time() - since <= SECOND_FACTOR_WINDOW:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return None
    if session.get(PENDING_MARK) != fingerprint(user.password_hash):
        return None  # the password changed since the first step: start again
    return user


def _second_factor_key() -> str:
    return "second-factor:" + str(session.get(PENDING_USER, request.remote_addr or ""))


@bp.route("/sign-in/security-code", methods=["GET", "POST"])
@public
@_failures_limited("SIGN_IN_ACCOUNT_LIMIT", _second_factor_key, "second-factor")
def two_factor() -> View:
    user = _pending_user()
    if user is None:
        return redirect(url_for("auth.sign_in"))
    form = SecurityCodeForm()
    if form.validate_on_submit():
        try:
            second_factor.verify_second_factor(user, form.code.data)
        except DomainError as exc:
            db.session.rollback()
            g.sign_in_failed = True
            apply_domain_error(form, exc.message, exc.field)
        else:
            next_url = safe_next(session.get(PENDING_NEXT), url_for("home.dashboard"))
            _start_session(user, second_factor=True, provider_session=session.get(PENDING_PROVIDER))
            db.session.commit()
            return redirect(next_url)
    elif request.method == "POST":
        g.sign_in_failed = True
    return render_template("auth/two_factor.html", form=form)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@require_sign_in
def setup_two_factor() -> View:
    user: User = current_user
    if user.two_factor_enabled:
        return redirect(url_for("auth.account"))
    secret = session.get(SETUP_SECRET) or second_factor.new_secret()
    session[SETUP_SECRET] = secret
    form = SecurityCodeForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.enable_two_factor(user, secret, form.code.data)
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc.message, exc.field)
        else:
            db.session.commit()
            session.pop(SETUP_SECRET, None)
            session[MFA_DONE] = True
            session[NEW_CODES] = codes
            return redirect(url_for("auth.recovery_codes"))
    uri = second_factor.provisioning_uri(user, secret)
    return render_template(
        "auth/setup_two_factor.html",
        form=form,
        qr=second_factor.qr_svg(uri),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        required=user.needs_two_factor,
    )


@bp.route("/account/two-factor/recovery-codes")
@require_sign_in
def recovery_codes() -> View:
    codes = session.pop(NEW_CODES, None)
    if not codes:
        return redirect(url_for("auth.account"))
    return render_template("auth/recovery_codes.html", codes=codes)


@bp.route("/sign-out", methods=["POST"])
@public
def sign_out() -> View:
    form = ActionForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        held = session.get(PROVIDER_SESSION)
        held = held if isinstance(held, dict) else {}
        services.sign_out(current_user._get_current_object())
        db.session.commit()
        logout_user()
        session.clear()
        provider = provider_named(str(held.get("provider", "")))
        if provider is not None:
            away = oidc.sign_out_url(
                provider,
                str(held.get("id_token") or ""),
                url_for("auth.signed_out", _external=True),
            )
            if away:
                return redirect(away)
    return redirect(url_for("auth.signed_out"))


@bp.route("/signed-out")
@public
def signed_out() -> View:
    return render_template(
        "auth/signed_out.html",
        timed_out=request.args.get("idle") == "1",
        time_limit=request.args.get("limit") == "1",
        hours=int(current_app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds() // 3600),
    )


@bp.route("/forgot-password", methods=["GET", "POST"])
@public
@limiter.limit(lambda: _limit("EMAIL_LINK_ADDRESS_LIMIT"), key_func=_address_key, methods=["POST"])
def forgot_password() -> View:
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        session["check_email"] = services.normalise_email(form.email.data)
        return redirect(url_for("auth.check_email_reset"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/forgot-password/check-your-email")
@public
def check_email_reset() -> View:
    return render_template("auth/check_email_reset.html", email=session.get("check_email"))


@bp.route("/reset-password/<string:token>", methods=["GET", "POST"])
@public
def reset_password(token: str) -> View:
    try:
        services.user_for_reset(token)
    except services.LinkProblem as exc:
        return render_template("auth/link_problem.html", problem=exc, kind="reset"), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc.message, exc.field)
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            flash("Your password has been changed. Sign in with your new password.", "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/account")
@require_sign_in
def account() -> View:
    return render_template(
        "auth/account.html",
        user=current_user,
        sign_ins=queries.recent_sign_ins(current_user),
        open_sessions=sessions.open_sessions(current_user),
        this_session=current_user.browser_session,
        form=ActionForm(),
    )


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@require_sign_in
def end_session(session_id: int) -> View:
    user: User = current_user._get_current_object()
    browser_session = db.get_or_404(BrowserSession, session_id)
    if not policies.can_end_session(user, browser_session):
        abort(403)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        sessions.end_other_session(user, browser_session)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash("That browser is signed out.", "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/sign-out-others", methods=["POST"])
@require_sign_in
def sign_out_others() -> View:
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    user: User = current_user._get_current_object()
    services.end_other_sessions(user)
    db.session.commit()
    login_user(user)  # this browser's cookie now carries the session's new token
    flash("You are signed out everywhere else. You are still signed in here.", "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/delete", methods=["GET", "POST"])
@require_sign_in
def delete_account() -> View:
    user: User = current_user._get_current_object()
    allowed = services.can_delete_own_account(user)
    form = DeleteAccountForm()
    if allowed and form.validate_on_submit():
        try:
            services.delete_account(user, form.password.data)
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc.message, exc.field)
        else:
            db.session.commit()
            logout_user()
            session.clear()
            return redirect(url_for("auth.account_deleted"))
    return render_template("auth/delete_account.html", form=form, allowed=allowed)


@bp.route("/account/deleted")
@public
def account_deleted() -> View:
    return render_template("auth/account_deleted.html")
