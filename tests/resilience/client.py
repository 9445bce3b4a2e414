"""A browser for the fault tests: cookies, CSRF tokens from forms, and the status, headers and
body of every answer (no redirects followed)."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirects()
        )

    def get(self, path: str) -> Answer:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, fields: list[tuple[str, str]] | dict[str, str]) -> Answer:
        data = urllib.parse.urlencode(fields).encode()
        return self._open(urllib.request.Request(self.base + path, data=data))

    def submit(self, path: str, fields: list[tuple[str, str]] | dict[str, str]) -> Answer:
        """GET the form at `path`, then POST `fields` to it with its CSRF token; the GET's
        answer when it was not the form."""
        page = self.get(path)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.body)
        if page.status != 200 or token is None:
            return page
        pairs = list(fields.items()) if isinstance(fields, dict) else list(fields)
        return self.post(path, [("csrf_token", token.group(1)), *pairs])

    def _open(self, request: urllib.request.Request) -> Answer:
        try:
            with self.opener.open(request, timeout=30) as response:
                return Answer(response.status, dict(response.headers), response.read().decode())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read().decode())
