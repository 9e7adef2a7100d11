"""The `chatsup` command. Each admin command prints the value a script needs
on its own last line (a site key, a token)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chatsup.config import Settings

# Each command imports what it needs when it runs: `chatsup --help` loads no
# console, server or pydantic (tests/tui/test_import_hygiene.py).


def _settings(args: argparse.Namespace) -> Settings:
    from chatsup.config import load_settings

    s = load_settings(getattr(args, "config", None))
    if getattr(args, "db", None):
        s.store.path = Path(args.db)
    if getattr(args, "store_url", None):
        s.store.url = args.store_url
    return s


def _store(settings: Settings) -> Any:
    from chatsup.server.store import Store

    st = settings.store
    return Store.open(st.path, tz=settings.tz, synchronous=st.synchronous, url=st.url)


def _where(settings: Settings) -> str:
    """The store named for a message (no password)."""
    url = settings.store.url
    if url is None:
        return str(settings.store.path)
    from urllib.parse import urlsplit

    u = urlsplit(url)
    return f"postgresql://{u.hostname or ''}{f':{u.port}' if u.port else ''}{u.path}"


def cmd_migrate(args: argparse.Namespace) -> int:
    """Create or upgrade the store's schema (`serve` does too)."""
    s = _settings(args)
    store = _store(s)  # opening migrates, under an advisory lock on PostgreSQL
    store.close()
    print(f"{s.store.engine} store migrated: {_where(s)}")
    return 0


def cmd_move_store(args: argparse.Namespace) -> int:
    """Copy the SQLite store ([store] path / --db) into an empty PostgreSQL
    database, every row and id kept (store/move.py)."""
    from chatsup.config import StoreSettings

    s = _settings(args)
    try:
        url = StoreSettings(url=args.to).url
    except ValueError:
        print("chatsup: --to must be a postgresql:// URL", file=sys.stderr)
        return 2
    assert url is not None
    try:
        from chatsup.server.store.move import MoveError, move_store
    except RuntimeError as e:  # the postgres extra is not installed
        print(f"chatsup: {e}", file=sys.stderr)
        return 1
    source = s.store.path
    s.store.url = url
    print(f"moving {source} to {_where(s)}", file=sys.stderr)
    try:
        report = move_store(
            source, url, progress=lambda m: print(m, file=sys.stderr), batch=args.batch
        )
    except MoveError as e:
        print(f"chatsup: {e}", file=sys.stderr)
        return 1
    for name, rows in report.tables.items():
        print(f"{name:20} {rows:>12,}")
    rate = report.rows / max(report.copy_seconds, 1e-9)
    print(
        f"moved {report.rows:,} rows in {report.seconds:.1f} s (copy {report.copy_seconds:.1f} s,"
        f" {rate:,.0f} rows/s; analyze {report.analyze_seconds:.1f} s); last event id"
        f" {report.last_event_id}; now set [store] url (or CHATSUP_STORE__URL) to the target",
        file=sys.stderr,
    )
    print(f"total {report.rows}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from chatsup.server.run import serve

    s = _settings(args)
    if args.host:
        s.server.host = args.host
    if args.port is not None:
        s.server.port = args.port
    print(
        f"chatsup server on http://{s.server.host}:{s.server.port}  (docs: /docs)"
        f"  database: {_where(s)}",
        file=sys.stderr,
    )
    serve(s)
    return 0


def cmd_site_add(args: argparse.Namespace) -> int:
    from chatsup.server.store import sites as sites_store

    store = _store(_settings(args))
    try:
        site = store.write_sync(sites_store.create_site, args.name, args.domain)
    finally:
        store.close()
    print(f"site {site['id']} {args.name} ({args.domain}); widget key:", file=sys.stderr)
    print(site["key"])
    return 0


def create_token(store: Any, role: str, name: str | None, subject_id: int | None) -> str:
    """`chatsup.server.store.tokens.create_token` (where it lives)."""
    from chatsup.server.store.tokens import create_token as create

    return create(store, role, name, subject_id)


def cmd_agent_add(args: argparse.Namespace) -> int:
    from chatsup.server.store import agents as agents_store

    store = _store(_settings(args))
    try:
        agent_id = store.write_sync(agents_store.create_agent, args.name, args.email)
        token = create_token(store, "agent", args.name, agent_id)
    finally:
        store.close()
    print(f"agent {agent_id} {args.name} <{args.email}>; token (shown once):", file=sys.stderr)
    print(token)
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    store = _store(_settings(args))
    try:
        token = create_token(store, args.role, args.name, args.subject)
    finally:
        store.close()
    print(f"{args.role} token for {args.name} (shown once):", file=sys.stderr)
    print(token)
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    from chatsup.server.store.tokens import list_tokens

    store = _store(_settings(args))
    try:
        rows = store.read_sync(lambda rx: list_tokens(rx, visitors=args.visitors))
    finally:
        store.close()
    print(f"{'id':12}  {'role':10}  {'subject':>7}  {'created':25}  name")
    for r in rows:
        subject = "" if r["subject_id"] is None else str(r["subject_id"])
        print(
            f"{r['id']:12}  {r['role']:10}  {subject:>7}  {r['created_at']:25}  {r['name'] or ''}"
        )
    print(f"{len(rows)} token(s)", file=sys.stderr)
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    from chatsup.server.store import BadInput
    from chatsup.server.store.tokens import TOKEN_PREFIX, digest, revoke

    which: str = args.which
    exact = digest(which) if which.startswith(tuple(TOKEN_PREFIX.values())) else None
    store = _store(_settings(args))
    try:
        n = store.write_sync(revoke, which, exact, args.all)
    except BadInput as e:
        print(f"chatsup: {e.message}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"revoked {n} token(s); servers refuse them within a second", file=sys.stderr)
    print(n)
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from chatsup.server.seed import seed_demo

    settings = _settings(args)
    store = _store(settings)
    t0 = time.perf_counter()
    try:
        report = seed_demo(
            store,
            days=args.days,
            scale=args.scale,
            seed=args.seed,
            progress=lambda s: print(s, file=sys.stderr),
        )
        token = create_token(store, "supervisor", "demo supervisor", None)
    finally:
        store.close()
    print(
        f"seeded {_where(settings)} in {time.perf_counter() - t0:.1f} s: {report}",
        file=sys.stderr,
    )
    print("supervisor token (shown once):", file=sys.stderr)
    print(token)
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    from chatsup.tui import gc_pause

    gc_pause.pause()  # until the first rows are painted (issue 14, P7)
    try:
        from chatsup.tui.app import run_console
    except ImportError:
        print("the console is not built yet; run `chatsup serve` and open /docs", file=sys.stderr)
        return 1
    s = _settings(args)
    return run_console(
        url=args.url or s.console.url, token=args.token or s.console.token, settings=s
    )


def cmd_web(args: argparse.Namespace) -> int:
    from chatsup.tui.web import serve

    s = _settings(args)
    return serve(
        url=args.url or s.console.url,
        token=getattr(args, "token", None) or s.console.token,
        host=args.host,
        port=args.port,
        config=getattr(args, "config", None),
        public=args.public_url,
    )


def cmd_agent_console(args: argparse.Namespace) -> int:
    from chatsup.agent_console.app import run_agent_console

    s = _settings(args)
    url, token = args.url or s.console.url, args.token or s.console.agent_token
    hint = None
    if args.demo:
        from chatsup.demo import demo_advisor

        url, token, page = demo_advisor()
        hint = f"chat with yourself: open {page} in a browser"
    return run_agent_console(url=url, token=token, settings=s, hint=hint)


def cmd_demo(args: argparse.Namespace) -> int:
    from chatsup.demo import run_demo

    return run_demo(_settings(args), fresh=args.fresh)


def cmd_simulate(args: argparse.Namespace) -> int:
    from chatsup.server.store.tokens import create_token as create
    from chatsup.simulate.command import main as simulate_main

    return simulate_main(args, lambda: _store(_settings(args)), create)


def _positive(text: str) -> int:
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="chatsup", description=__doc__)
    p.add_argument("--config", help="TOML config file (default: user config dir)")
    p.add_argument("--url", help="server URL for the console")
    p.add_argument("--token", help="supervisor token for the console")
    p.set_defaults(func=cmd_console)
    sub = p.add_subparsers(dest="command")

    def db(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--db", help="SQLite database path (default from config)")
        sp.add_argument(
            "--store-url",
            help="PostgreSQL URL instead of SQLite (postgresql://user@host/db; [store] url)",
        )
        sp.add_argument("--config", help="TOML config file", default=argparse.SUPPRESS)

    sp = sub.add_parser("serve", help="run the chat server")
    db(sp)
    sp.add_argument("--host")
    sp.add_argument("--port", type=int)
    sp.set_defaults(func=cmd_serve)

    sp = sub.add_parser("migrate", help="create or upgrade the store's schema")
    db(sp)
    sp.set_defaults(func=cmd_migrate)

    sp = sub.add_parser(
        "move-store",
        help="copy the SQLite store into an empty PostgreSQL database (stop the server first)",
    )
    sp.add_argument("--to", required=True, help="the target: postgresql://user@host:5432/db")
    sp.add_argument("--db", help="the SQLite database to move (default from config)")
    sp.add_argument("--batch", type=_positive, default=5000, help="rows read per statement")
    sp.add_argument("--config", help="TOML config file", default=argparse.SUPPRESS)
    sp.set_defaults(func=cmd_move_store)

    site = sub.add_parser("site", help="manage sites").add_subparsers(dest="action", required=True)
    sp = site.add_parser("add", help="add a site; prints its widget key")
    sp.add_argument("name")
    sp.add_argument("--domain", required=True)
    db(sp)
    sp.set_defaults(func=cmd_site_add)

    ap = sub.add_parser(
        "agent", help="answer chats as an advisor (the agent console); `agent add` adds an agent"
    )
    ap.add_argument("--url", default=argparse.SUPPRESS, help="server URL")
    ap.add_argument("--token", default=argparse.SUPPRESS, help="agent token")
    ap.add_argument(
        "--demo",
        action="store_true",
        help="the server and advisor token of the running `chatsup demo`",
    )
    ap.add_argument("--config", help="TOML config file", default=argparse.SUPPRESS)
    ap.set_defaults(func=cmd_agent_console)
    agent = ap.add_subparsers(dest="action")
    sp = agent.add_parser("add", help="add an agent; prints its token")
    sp.add_argument("name")
    sp.add_argument("--email", required=True)
    db(sp)
    sp.set_defaults(func=cmd_agent_add)

    token = sub.add_parser("token", help="manage tokens").add_subparsers(
        dest="action", required=True
    )
    sp = token.add_parser("create", help="create a token; prints it")
    sp.add_argument("--role", choices=["supervisor", "agent", "visitor"], default="supervisor")
    sp.add_argument("--name", required=True)
    sp.add_argument("--subject", type=int, help="agent or visitor id the token belongs to")
    db(sp)
    sp.set_defaults(func=cmd_token_create)
    sp = token.add_parser("list", help="list supervisor and agent tokens (id, role, name)")
    sp.add_argument("--visitors", action="store_true", help="visitors' tokens too")
    db(sp)
    sp.set_defaults(func=cmd_token_list)
    sp = token.add_parser(
        "revoke", help="revoke a token by its id (from `token list`), its name, or itself"
    )
    sp.add_argument("which", help="token id or a prefix of it (4+ hex digits), name, or token")
    sp.add_argument("--all", action="store_true", help="revoke every token with that name")
    db(sp)
    sp.set_defaults(func=cmd_token_revoke)

    sp = sub.add_parser("seed", help="fill a database with demo data")
    sp.add_argument("--demo", action="store_true", help="the demo data set (the default)")
    sp.add_argument("--days", type=int, default=90)
    sp.add_argument("--scale", type=float, default=1.0)
    sp.add_argument("--seed", type=int, default=7)
    db(sp)
    sp.set_defaults(func=cmd_seed)

    sp = sub.add_parser(
        "web",
        help="the console in a browser (each browser session signs in unless "
        "[console] token is set)",
    )
    sp.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback)")
    sp.add_argument("--port", type=int, default=8766)
    sp.add_argument(
        "--public-url",
        default=None,
        help="the address browsers use (an HTTPS proxy's, a DNS name); default: the host, "
        "or this machine's name when listening on 0.0.0.0 or ::",
    )
    sp.add_argument("--url", default=argparse.SUPPRESS, help="chatsup server URL")
    sp.add_argument("--config", help="TOML config file", default=argparse.SUPPRESS)
    sp.set_defaults(func=cmd_web)

    sp = sub.add_parser("demo", help="seed, serve, simulate traffic and open the console")
    sp.add_argument("--fresh", action="store_true", help="start from a new demo database")
    sp.add_argument("--config", help="TOML config file", default=argparse.SUPPRESS)
    sp.set_defaults(func=cmd_demo)

    sp = sub.add_parser("simulate", help="simulated visitors and advisors against a server")
    sp.add_argument("--url", help="server URL, e.g. http://127.0.0.1:8765")
    sp.add_argument("--visitors", type=int, default=50, help="visitors at once, at most")
    sp.add_argument(
        "--agents", type=int, help="advisors (default: one per --agent-token; 3 with --setup)"
    )
    sp.add_argument("--rate", type=float, default=2.0, help="visits started per second")
    sp.add_argument("--duration", type=float, default=60.0, help="seconds to run")
    sp.add_argument("--seed", type=int, default=1)
    sp.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="time compression of reading, typing and answering delays",
    )
    sp.add_argument("--site-key", action="append", help="a site's widget key (repeatable)")
    sp.add_argument("--agent-token", action="append", help="an advisor token (repeatable)")
    sp.add_argument("--origin", action="append", help="https://host of each site (repeatable)")
    sp.add_argument("--setup-file", help="keys and tokens from the JSON line --setup printed")
    sp.add_argument(
        "--setup",
        action="store_true",
        help="create a site and advisor tokens in --db; print them as JSON",
    )
    db(sp)
    sp.set_defaults(func=cmd_simulate)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if (
        args.command == "token"
        and args.action == "create"
        and args.role in ("agent", "visitor")
        and args.subject is None
    ):
        print("--subject is required for agent and visitor tokens", file=sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except (FileNotFoundError, ValueError) as e:
        print(f"chatsup: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
