"""`chatsup simulate`: run a simulation against a server, or (`--setup`) create
what one needs in a database. Both print a human summary on stderr and one
JSON line on stdout (the last line) for scripts."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def main(
    args: argparse.Namespace, open_store: Callable[[], Any], create_token: Callable[..., str]
) -> int:
    if args.setup:
        return _setup(args, open_store, create_token)
    return _run(args)


def _setup(
    args: argparse.Namespace, open_store: Callable[[], Any], create_token: Callable[..., str]
) -> int:
    from chatsup.simulate.setup import create

    agents = 3 if args.agents is None else args.agents
    store = open_store()
    try:
        out = create(store, agents, create_token)
    finally:
        store.close()
    print(
        f"site key and {agents} advisor tokens created (shown once); run:\n"
        f"  chatsup simulate --url URL --setup-file FILE   (FILE: the JSON line below)",
        file=sys.stderr,
    )
    print(json.dumps(out))
    return 0


def _inputs(args: argparse.Namespace) -> tuple[list[str], list[str], list[str]]:
    keys, tokens, origins = list(args.site_key or []), list(args.agent_token or []), []
    if args.setup_file:
        lines = Path(args.setup_file).read_text(encoding="utf-8").strip().splitlines()
        data = json.loads(lines[-1]) if lines else {}
        keys += data.get("site_keys", [])
        tokens += data.get("agent_tokens", [])
        origins = data.get("site_origins", [])
    origins += list(args.origin or [])
    return keys, tokens, origins


def _run(args: argparse.Namespace) -> int:
    from chatsup.simulate.run import simulate

    keys, tokens, origins = _inputs(args)
    if not args.url:
        print("chatsup simulate: --url is required (or --setup)", file=sys.stderr)
        return 2
    if not keys:
        print(
            "chatsup simulate: give --site-key (or --setup-file); "
            "`chatsup simulate --setup --db PATH` creates them",
            file=sys.stderr,
        )
        return 2
    agents = len(tokens) if args.agents is None else args.agents
    if agents > len(tokens):
        print(
            f"chatsup simulate: --agents {agents} needs as many --agent-token "
            f"({len(tokens)} given)",
            file=sys.stderr,
        )
        return 2

    async def go() -> Any:
        from chatsup.client import SupervisorClient, Unreachable

        try:
            async with SupervisorClient(args.url) as probe:
                await probe.health()
        except Unreachable as e:
            print(f"chatsup simulate: {e}", file=sys.stderr)
            return None
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGINT, stop.set)
        print(f"simulating on {args.url} for {args.duration:g} s (Ctrl-C stops)", file=sys.stderr)
        return await simulate(
            args.url,
            site_keys=keys,
            agent_tokens=tokens,
            visitors=args.visitors,
            agents=agents,
            rate=args.rate,
            duration=args.duration,
            seed=args.seed,
            stop=stop,
            speed=args.speed,
            site_origins=origins or None,
        )

    report = asyncio.run(go())
    if report is None:
        return 1
    print(report.summary(), file=sys.stderr)
    print(json.dumps(report.as_dict()))
    return 0
