"""HTTP hardening of the dashboard server: a Host allow-list against DNS rebinding,
and headers that forbid framing (clickjacking) and limit what the page may load.
"""

from __future__ import annotations

from collections.abc import Iterable

import flask

LOOPBACK_HOSTS: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
"""Host names served by default (the server listens on 127.0.0.1)."""

WILDCARD_INTERFACES = ("0.0.0.0", "::", "")

CSP = "; ".join(
    (
        "default-src 'self'",
        # Dash's renderer starts from an inline script; AG Grid's value formatters and
        # class rules are compiled with new Function (hence 'unsafe-eval').
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
"""Content-Security-Policy of every response."""

HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
"""Security headers added to every response."""


def allowed_hosts(host: str, extra: Iterable[str] = ()) -> tuple[str, ...] | None:
    """The Host names a server listening on ``host`` accepts: loopback, plus ``host``
    itself and any ``extra`` names. ``None`` (any Host) for a wildcard interface
    (0.0.0.0) without ``extra`` names: the user asked to serve every interface.
    """
    extra = tuple(h.strip().lower() for h in extra if h.strip())
    if host.strip() in WILDCARD_INTERFACES:
        return (*LOOPBACK_HOSTS, *extra) if extra else None
    return tuple(dict.fromkeys((*LOOPBACK_HOSTS, host.strip().lower(), *extra)))


def host_name(header: str) -> str:
    """The name part of a Host header: ``[::1]:8050`` -> ``::1``, ``a.b:80`` -> ``a.b``."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def install(server: flask.Flask, hosts: tuple[str, ...] | None) -> None:
    """Refuse requests whose Host is not in ``hosts`` (400) and add :data:`HEADERS`."""

    @server.before_request
    def check_host() -> flask.Response | None:
        if hosts is None or host_name(flask.request.host) in hosts:
            return None
        return flask.Response("Host not allowed (see talent-market dashboard --host)\n", 400)

    @server.after_request
    def add_headers(response: flask.Response) -> flask.Response:
        for key, value in HEADERS.items():
            response.headers.setdefault(key, value)
        return response
