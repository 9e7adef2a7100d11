"""What each process that `bench.console` launches runs. It imports only what
the measured app imports itself (the standard library's json, os, sys, time
on top): the parent's helpers (httpx, the dataset builder, the server and its
store, pydantic) stay out, or the bare Textual app would pay for them and the
console would find them loaded already.

    python -m bench.console_child bare
    python -m bench.console_child console URL TOKEN PAGES
    python -m bench.console_child command URL TOKEN PAGES
    python -m bench.console_child tail URL TOKEN SECONDS

Each prints one JSON line. `BENCH_T0` (the parent's `time.time()` just before
it started the process) is where "process start" is counted from.

`BENCH_CHILD_PROFILE=FILE` (console and command): the main thread under
cProfile from the end of the console's imports to its first rows, written to
FILE (`python -m pstats FILE`; the request threads are not in it). Profiled
runs are slower: read the shares, not the times.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any


def since_start() -> float:
    return time.time() - float(os.environ["BENCH_T0"])


PROFILE = os.environ.get("BENCH_CHILD_PROFILE")
profiler: Any = None


def first(out: dict[str, Any]) -> None:
    """The moment of the first rows: wall time since the process started,
    and the CPU time it has used (steadier than the wall time on a shared
    machine, where the wait for a core is most of it)."""
    out["first_data_s"] = since_start()
    out["cpu_s"] = time.process_time()
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(PROFILE)


def start_profile() -> None:
    """cProfile on (BENCH_CHILD_PROFILE set) until the first rows."""
    global profiler
    if PROFILE:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()


def child_bare() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Label

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Label("chatsup")

        def on_mount(self) -> None:
            self.call_after_refresh(self.done)

        def done(self) -> None:
            first(out)
            self.exit(None)

    out: dict[str, Any] = {}
    Bare().run(headless=True, size=(100, 30))
    print(json.dumps(out))


def child_console(url: str, token: str, pages: int, command: bool = False) -> None:
    """The console to its first rows, then `pages` pages down. `command`:
    started as the `chatsup` command starts it (`cli.main`: its settings
    loaded too, no config file), not by building the app directly."""
    import asyncio
    import resource

    try:  # as `chatsup` (cli.cmd_console) does before it imports the console
        from chatsup.tui import gc_pause

        gc_pause.pause()
    except ImportError:  # an older checkout (--before) has no pause
        pass
    from chatsup.tui.app import ChatsupApp

    out: dict[str, Any] = {"pages_s": []}

    class Timed(ChatsupApp):
        def on_mount(self) -> None:
            # Textual runs ChatsupApp.on_mount as well, after this one (each
            # class's handler in the MRO): a super() call here ran it twice
            self.page_started = 0.0
            self.seen = 0
            self.table = self.messages.table
            self.poll_first()

        def poll_first(self) -> None:
            """Every 2 ms until the first rows are in the table, then after
            the frame that draws them. A plain event-loop callback: a Textual
            timer firing 500 times a second cost the console tens of ms of
            CPU that the bare app did not pay."""
            if "first_data_s" in out:
                return
            if self.table.row_count:
                self.call_after_refresh(self.first_painted)
            else:
                asyncio.get_running_loop().call_later(0.002, self.poll_first)

        def run_live(self, after: int) -> Any:
            """The console starts its live stream right after the frame that
            painted the first rows (`ChatsupApp.connect`): that moment, before
            the stream's own imports (websockets), which the poll above could
            count in or not depending on which callback ran first."""
            if self.table.row_count:
                self.first_painted()
            return super().run_live(after)

        def first_painted(self) -> None:
            if "first_data_s" in out:
                return
            first(out)
            out["rows"] = self.table.row_count
            self.watch_timer = self.set_interval(0.002, self.check)

        def check(self) -> None:
            table = self.table
            if table.fetching:
                return
            if self.page_started and table.row_count > self.seen:
                out["pages_s"].append(time.perf_counter() - self.page_started)
                self.page_started = 0.0
            if len(out["pages_s"]) >= pages or not table.next_cursor:
                self.watch_timer.stop()
                self.exit(0)
                return
            if not self.page_started:  # scroll to the last row: the next page loads
                self.seen = table.row_count
                self.page_started = time.perf_counter()
                table.move_cursor(row=table.row_count - 1)

        def run(self, *args: Any, **kw: Any) -> Any:
            return super().run(headless=True, size=(100, 30))

    if command:
        import chatsup.tui.app
        from chatsup.cli import main

        os.environ["CHATSUP_CONFIG"] = "/nonexistent"  # not this machine's user config
        chatsup.tui.app.ChatsupApp = Timed  # type: ignore[misc]  # what run_console builds
        start_profile()
        main(["--url", url, "--token", token])
    else:
        start_profile()
        Timed(url, token).run()
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # peak, KiB→MiB
    print(json.dumps(out))


def child_tail(url: str, token: str, seconds: float) -> None:
    """The console with the company-wide live tail open, for `seconds`."""
    from chatsup.tui.app import ChatsupApp
    from chatsup.tui.messages import OpenTail

    class Tailing(ChatsupApp):
        def on_mount(self) -> None:
            self.set_timer(1.0, lambda: self.post_message(OpenTail(None)))
            self.set_timer(seconds, lambda: self.exit(0))

    app = Tailing(url, token)
    app.run(headless=True, size=(100, 30))
    print(json.dumps({"events": app.live_events}))


def main(argv: list[str]) -> None:
    kind, *rest = argv
    if kind == "bare":
        child_bare()
    elif kind in ("console", "command"):
        child_console(rest[0], rest[1], int(rest[2]), command=kind == "command")
    elif kind == "tail":
        child_tail(rest[0], rest[1], float(rest[2]))
    else:
        raise SystemExit(f"unknown child {kind!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
