"""httpx without its command-line tool. `import httpx` also imports
`httpx._main` (the `httpx` command: click, pygments, rich.syntax and
rich.progress), about 40 ms of a console's start that no client here uses.
An entry of None in `sys.modules` makes that one import fail, which httpx
expects when the CLI's extras are missing (its `httpx.main` then only says
so); the entry is taken out again at once, so an explicit `import httpx._main`
later still works. Every module of this package imports httpx from here, and
the package's `__init__` imports this module first."""

from __future__ import annotations

import sys

if "httpx" not in sys.modules:
    _held = "httpx._main" in sys.modules
    if not _held:
        sys.modules["httpx._main"] = None  # type: ignore[assignment]
    try:
        import httpx
    finally:
        if not _held and sys.modules.get("httpx._main", 0) is None:
            del sys.modules["httpx._main"]
else:
    import httpx

__all__ = ["httpx"]
