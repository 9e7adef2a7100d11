"""A real chatsup server inside this process: uvicorn in a thread with its
own event loop, on a free loopback port. One helper for the demo and the
tests (uvicorn's `tests/utils.py` `run_server`, in a thread so that sync
tests, async tests and Textual pilots can all talk to it); it can be
stopped and started again on the same database (a restart)."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from chatsup.config import Settings


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class EmbeddedServer:
    def __init__(
        self,
        settings: Settings,
        *,
        own_logs: bool = True,
        log_level: str | None = None,
        name: str = "chatsup-server",
    ) -> None:
        self.settings = settings
        self.port = free_port()
        self.own_logs = own_logs  # False: uvicorn's loggers go to the root logger
        self.log_level = log_level  # None: uvicorn_config's
        self.name = name
        self.server: Any = None
        self.thread: threading.Thread | None = None
        self.app: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20) -> EmbeddedServer:
        from chatsup.server.run import uvicorn_config

        extra: dict[str, Any] = {} if self.own_logs else {"log_config": None}
        if self.log_level is not None:
            extra["log_level"] = self.log_level
        config = uvicorn_config(self.settings, host="127.0.0.1", port=self.port, **extra)
        self.app = config.app
        self.server = self.make_server(config)
        self.thread = threading.Thread(target=self.server.run, name=self.name, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the embedded server did not start")
            time.sleep(0.01)
        return self

    def make_server(self, config: Any) -> Any:
        """The uvicorn.Server to run (the tests' harness answers one that stops
        without uvicorn's fixed pauses)."""
        import uvicorn

        return uvicorn.Server(config)

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=15)
            if self.thread.is_alive():  # pragma: no cover - a stuck connection
                self.server.force_exit = True
                self.thread.join(timeout=5)
        self.server = self.thread = None

    def restart(self) -> None:
        self.stop()
        self.start()
