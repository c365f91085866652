"""Signing in with the admin token, and out."""

from __future__ import annotations

import secrets

from fastapi import Request
from fastapi.responses import Response

from orderdesk.auth.attempts import ADMIN, FailedAttempts, caller
from orderdesk.backoffice import pages
from orderdesk.backoffice.pages import PREFIX
from orderdesk.backoffice.session import LOGIN_COOKIE, SESSION_COOKIE, Sessions

ROUTES = pages.routes()


@ROUTES.get("/signin")
async def signin_page(request: Request) -> Response:
    sessions = await pages.sessions(request)
    nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(16)
    target = request.query_params.get("next", "")
    return _signin(request, sessions, nonce, target, None, 200)


def _signin(
    request: Request,
    sessions: Sessions,
    nonce: str,
    target: str,
    problem: str | None,
    status: int,
) -> Response:
    """The sign-in form; ``target`` is the page asked for (kept when a sign-in fails)."""
    response = pages.render(
        request,
        "signin.html",
        None,
        sessions,
        status,
        signin_csrf=sessions.csrf(nonce),
        next=target if _safe_next(target) else "",
        problem=problem,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=pages.secure(request),
    )
    return response


def _safe_next(target: str) -> bool:
    return target.startswith(PREFIX + "/") and not target.startswith("//") and "\\" not in target


@ROUTES.post("/signin")
async def signin(request: Request) -> Response:
    sessions = await pages.sessions(request)
    form = await request.form()
    nonce = request.cookies.get(LOGIN_COOKIE)
    sent = form.get("csrf")
    target = pages.text(form, "next", 500)
    if not nonce or not sessions.csrf_ok(nonce, sent if isinstance(sent, str) else None):
        expired = "The sign-in form expired; again."
        return _signin(request, sessions, secrets.token_urlsafe(16), target, expired, 403)
    attempts: FailedAttempts = pages.parent(request).attempts
    who = caller(request, ADMIN)
    wait = attempts.retry_after(who)
    if wait is not None:
        busy = f"Too many wrong admin tokens from here; try again in {wait} seconds."
        refused = _signin(request, sessions, nonce, target, busy, 429)
        refused.headers["retry-after"] = str(wait)
        return refused
    if not sessions.token_matches(pages.text(form, "token", 500)):
        attempts.failed(who)
        wrong = "That is not the admin token."
        return _signin(request, sessions, nonce, target, wrong, 401)
    response = pages.see_other(target if _safe_next(target) else PREFIX + "/")
    response.set_cookie(
        SESSION_COOKIE,
        sessions.new_cookie(),
        path=PREFIX,
        httponly=True,
        samesite="lax",
        secure=pages.secure(request),
    )
    response.delete_cookie(LOGIN_COOKIE, path=PREFIX)
    return response


@ROUTES.post("/signout")
async def signout(request: Request) -> Response:
    session = await pages.session(request)
    await pages.form(request, session)
    response = pages.see_other(PREFIX + "/signin")
    response.delete_cookie(SESSION_COOKIE, path=PREFIX)
    return response
