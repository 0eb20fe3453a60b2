"""A cookie jar for a simulated browser (kept apart from the locust users: importing locust
patches the standard library with gevent)."""

from __future__ import annotations

from typing import Any


class SiteCookies:
    """The cookies of one simulated browser on the one site it talks to: name -> value, sent
    back on every request, replaced by a Set-Cookie, dropped by one that expires it.

    Stands in for locust's `http.cookiejar.CookieJar`, whose policy checks (domain, path,
    expiry, on every request and every response) were an eighth of the load generator's
    CPU: a cost of the generator, not of the platform it measures. Every cookie here is
    the platform's own, for the whole site (path /), so nothing of that policy applies."""

    __slots__ = ("_header", "_values")

    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._header = ""

    def add_cookie_header(self, request: Any) -> None:
        if self._header:
            request.headers["Cookie"] = self._header

    def extract_cookies(self, response: Any, request: Any) -> None:
        headers = response.headers
        found = headers.getlist("set-cookie") if headers is not None else None
        if not found:
            return
        for line in found:
            self.set_from_header(line)

    def set_from_header(self, line: str) -> None:
        pair, _, attributes = line.partition(";")
        name, eq, value = pair.partition("=")
        name, value = name.strip(), value.strip().strip('"')
        if not eq or not name:
            return
        expired = any(
            a.strip().lower().replace(" ", "") in ("max-age=0", "max-age=-1")
            for a in attributes.split(";")
        )
        if expired:
            self._values.pop(name, None)
        else:
            self._values[name] = value
        self._header = "; ".join(f"{k}={v}" for k, v in self._values.items())

    def get(self, name: str) -> str | None:
        return self._values.get(name)
