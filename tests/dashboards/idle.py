"""Browser tests end with the server idle: dash[testing] stops its threaded server by
raising ``SystemExit`` in every thread the server started, and a request thread killed
in the middle of an import leaves Python's import lock taken (the next import of that
module, in a later test or in pytest's own summary, then waits forever). Imported by
the browser tests.
"""

from __future__ import annotations

import threading
import time
from typing import Any


class InFlight:
    """WSGI middleware that counts the requests the app is serving."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app
        self.serving = 0
        self._lock = threading.Lock()

    def __call__(self, environ: Any, start_response: Any) -> Any:
        with self._lock:
            self.serving += 1
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            with self._lock:
                self.serving -= 1


def counted(app: Any) -> Any:
    """``app`` with its requests counted (:class:`InFlight`)."""
    app.server.wsgi_app = InFlight(app.server.wsgi_app)
    return app


def wait_until_idle(dash_duo: Any, timeout: float = 60.0) -> None:
    """Leave the page, then wait until the app's server serves no request."""
    app = getattr(dash_duo.server, "_app", None)  # the app dash_duo.start_server ran
    counter = getattr(getattr(app, "server", None), "wsgi_app", None)
    dash_duo.driver.get("about:blank")
    if not isinstance(counter, InFlight):
        return
    deadline = time.monotonic() + timeout
    while counter.serving and time.monotonic() < deadline:
        time.sleep(0.05)
    assert counter.serving == 0, f"{counter.serving} requests still served after {timeout} s"
