"""`chatsup serve` under cProfile: the event loop thread and the store's
writer thread each get their own profiler (cProfile sees one thread), and
both are written to $BENCH_PROFILE_DIR (loop.prof, writer.prof) when the
server stops (SIGTERM). The benchmarks start the server this way when
BENCH_PROFILE_DIR is set (bench/server.py):

    BENCH_PROFILE_DIR=/tmp/prof python -m bench.ingest --rounds 1
    python -m pstats /tmp/prof/writer.prof     # then: sort tottime, stats 25

Profiling slows both threads (every call is counted): read the shares of
time, not the rates.
"""

from __future__ import annotations

import cProfile
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any


def main() -> None:
    out = Path(os.environ["BENCH_PROFILE_DIR"])
    out.mkdir(parents=True, exist_ok=True)
    from chatsup.server.store import db

    writer_prof = cProfile.Profile()
    run_writer = db.Store._run_writer

    def profiled_writer(self: db.Store) -> None:
        writer_prof.enable()
        try:
            run_writer(self)
        finally:
            writer_prof.disable()
            writer_prof.dump_stats(out / "writer.prof")

    db.Store._run_writer = profiled_writer  # type: ignore[method-assign]
    loop_prof = cProfile.Profile()
    done = threading.Event()

    def stop(_sig: int, _frame: Any) -> None:
        if not done.is_set():
            done.set()
            loop_prof.disable()
            loop_prof.dump_stats(out / "loop.prof")
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    from chatsup.cli import main as cli_main

    loop_prof.enable()
    try:
        cli_main(sys.argv[1:])
    except KeyboardInterrupt:
        pass
    finally:
        if not done.is_set():
            loop_prof.disable()
            loop_prof.dump_stats(out / "loop.prof")


if __name__ == "__main__":
    main()
