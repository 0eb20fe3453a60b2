"""The session and CSRF cookies, as Set-Cookie header values.

The session cookie is HttpOnly (scripts never see it), SameSite=Lax, Secure in production.
The CSRF cookie carries the session's CSRF token to the web client's scripts (so it is not
HttpOnly) and is SameSite=Strict; the server checks the token against the session, not
against this cookie, so a cookie planted by someone else is useless.
"""

from __future__ import annotations

from litestar.datastructures import Cookie

from api.security.config import SecurityConfig


def session_cookies(config: SecurityConfig, session_id: str, csrf_token: str) -> list[Cookie]:
    return [
        Cookie(
            key=config.session_cookie,
            value=session_id,
            max_age=config.session_max_age,
            path="/",
            httponly=True,
            samesite="lax",
            secure=config.secure_cookies,
        ),
        Cookie(
            key=config.csrf_cookie,
            value=csrf_token,
            max_age=config.session_max_age,
            path="/",
            httponly=False,
            samesite="strict",
            secure=config.secure_cookies,
        ),
    ]


def cleared_cookies(config: SecurityConfig) -> list[Cookie]:
    return [
        Cookie(
            key=name,
            value="",
            max_age=0,
            expires=0,
            path="/",
            httponly=name == config.session_cookie,
            samesite="lax" if name == config.session_cookie else "strict",
            secure=config.secure_cookies,
        )
        for name in (config.session_cookie, config.csrf_cookie)
    ]


def header_values(cookies: list[Cookie]) -> list[str]:
    return [c.to_header(header="") for c in cookies]
