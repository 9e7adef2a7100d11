"""`chatsup agent`, the advisor's console, driven by Textual's pilot against a
real server, with a real visitor on the widget's HTTP API and WebSocket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.widgets import Input, RichLog, Static
from websockets.asyncio.client import ClientConnection, connect

from chatsup import cli
from chatsup.agent_console.app import AgentApp
from chatsup.agent_console.screens.chat import ChatScreen
from chatsup.agent_console.screens.visitor import VisitorScreen
from chatsup.client import ws_url
from chatsup.kit.confirm import ConfirmScreen
from chatsup.kit.failure import FailureScreen
from tests.harness import World, free_port, make_settings
from tests.tui.pilot import PAYLOADS, foreign_controls, until

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


@asynccontextmanager
async def visitor_socket(world: World, token: str) -> AsyncIterator[ClientConnection]:
    async with connect(
        ws_url(world.url, "/v1/widget/ws"), additional_headers={"Authorization": f"Bearer {token}"}
    ) as ws:
        yield ws


async def next_frame(ws: ClientConnection, kind: str, timeout: float = 10) -> dict[str, Any]:
    """The next frame of type `kind` the visitor's socket receives."""

    async def wait() -> dict[str, Any]:
        while True:
            frame = json.loads(await ws.recv())
            if frame.get("type") == kind:
                return frame

    return await asyncio.wait_for(wait(), timeout)


def screen_text(app: AgentApp, selector: str) -> str:
    widget = app.screen.query_one(selector)
    if isinstance(widget, RichLog):
        return "\n".join(line.text for line in widget.lines)
    assert isinstance(widget, Static)
    return str(widget.render())


def presence_of(world: World, agent_id: int) -> str:
    with world.sup() as c:
        agents = c.get("/v1/agents").json()["items"]
    return str(next(a["presence"] for a in agents if a["id"] == agent_id))


async def test_take_a_waiting_chat_reply_and_end_it(world: World) -> None:
    v, s = world.visitor(user_agent=FIREFOX, webrtc=True, referrer="https://search.example/")
    with v:
        v.post(
            "/v1/widget/pageviews",
            json={"url": "https://shop.example/umbrellas", "title": "Umbrellas"},
        )
        cid = v.post("/v1/widget/messages", json={"body": "Is anyone there?"}).json()[
            "conversation_id"
        ]
        app = AgentApp(world.url, world.agent_token)
        async with app.run_test(size=(80, 24)) as pilot, visitor_socket(world, s["token"]) as vws:
            table = app.queue.table
            await until(pilot, lambda: app.live_state == "live" and table.row_count == 1)
            assert "wait" in str(table.get_row_at(0)[0])
            assert presence_of(world, world.agent_id) == "online"  # connected: online

            # a new visitor line arrives live on the desk
            await asyncio.to_thread(
                v.post, "/v1/widget/messages", json={"body": "My umbrella broke"}
            )
            await until(pilot, lambda: app.items[cid].message_count == 2)
            assert "My umbrella broke" in str(table.get_row_at(0)[6])

            await pilot.press("enter")
            await until(
                pilot, lambda: isinstance(app.screen, ChatScreen) and app.screen.detail is not None
            )
            chat = app.screen
            assert isinstance(chat, ChatScreen) and isinstance(app.focused, Input)
            log = screen_text(app, "#chat-log")
            assert "Is anyone there?" in log and "My umbrella broke" in log
            assert "waiting" in screen_text(app, "#chat-title")

            # the visitor's session details, as far as an advisor may see
            await pilot.press("ctrl+o")
            await until(
                pilot,
                lambda: isinstance(app.screen, VisitorScreen) and app.screen.detail is not None,
            )
            details = screen_text(app, "#visitor-body")
            for text in ("Linux", "Firefox", "webrtc", "yes", "search.example", "Umbrellas"):
                assert text in details, text
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is chat)

            # the pilot takes it with a reply; the visitor's socket receives it
            await pilot.press(*"Hello, Alice here", "enter")
            frame = await next_frame(vws, "message.created")
            assert frame["data"]["sender"] == "agent"
            assert frame["data"]["body"] == "Hello, Alice here"
            assert frame["data"]["conversation_id"] == cid
            await until(pilot, lambda: chat.query_one("#chat-input", Input).value == "")
            await until(pilot, lambda: app.items[cid].agent is not None)
            assert app.items[cid].agent.id == world.agent_id  # type: ignore[union-attr]
            assert "with Alice" in screen_text(app, "#chat-title")
            assert "Hello, Alice here" in screen_text(app, "#chat-log")

            # the visitor answers: it shows up in the open chat, live
            await vws.send(json.dumps({"type": "message", "body": "Thanks!"}))
            await until(pilot, lambda: "Thanks!" in screen_text(app, "#chat-log"))

            # away and back through the presence key (from the desk)
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is app.queue)
            await pilot.press("p")
            await until(pilot, lambda: app.presence == "away")
            assert presence_of(world, world.agent_id) == "away"
            await pilot.press("p", "p")
            await until(pilot, lambda: app.presence == "online")

            # close it: confirm, the conversation ends, the visitor is told
            await pilot.press("enter")
            await until(
                pilot, lambda: isinstance(app.screen, ChatScreen) and app.screen.detail is not None
            )
            await pilot.press("ctrl+t")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            ended = await next_frame(vws, "conversation.ended")
            assert ended["data"]["conversation_id"] == cid
            await until(pilot, lambda: app.screen is app.queue and cid not in app.items)
            assert table.row_count == 0
    with world.sup() as c:
        d = c.get(f"/v1/conversations/{cid}").json()
    assert d["conversation"]["ended_at"] is not None
    assert d["conversation"]["agent"]["id"] == world.agent_id
    assert [m["body"] for m in d["messages"] if m["sender"] == "agent"] == ["Hello, Alice here"]
    await asyncio.sleep(0.2)
    assert presence_of(world, world.agent_id) == "offline"  # quitting closed the socket


async def test_a_chat_another_advisor_takes_leaves_the_desk(world: World) -> None:
    v, _ = world.visitor()
    with v:
        cid = v.post("/v1/widget/messages", json={"body": "hi"}).json()["conversation_id"]
    app = AgentApp(world.url, world.agent_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.live_state == "live" and cid in app.items)
        await pilot.press("enter")
        await until(
            pilot, lambda: isinstance(app.screen, ChatScreen) and app.screen.detail is not None
        )
        with world.http(world.agent2_token) as bob:
            r = await asyncio.to_thread(
                bob.post, f"/v1/agent/conversations/{cid}/messages", json={"body": "Bob here"}
            )
            assert r.status_code == 201
        await until(pilot, lambda: cid not in app.items)
        assert "another advisor" in screen_text(app, "#chat-note")
        assert app.screen.query_one("#chat-input", Input).disabled
        # and the agent API keeps Bob's chat from Alice
        with world.http(world.agent_token) as alice:
            assert alice.get(f"/v1/agent/conversations/{cid}").status_code == 403
            assert alice.get("/v1/agent/conversations").json()["items"] == []


async def test_bad_token_and_unreachable_server_say_so_and_retry(world: World) -> None:
    app = AgentApp(world.url, "agt_not-a-token")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FailureScreen))
        assert "refused this token" in app.screen.title_text  # type: ignore[attr-defined]
    app = AgentApp(world.url, world.sup_token)  # a supervisor token is not an agent's
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FailureScreen))
    app = AgentApp(f"http://127.0.0.1:{free_port()}", world.agent_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FailureScreen))
        first = app.screen
        assert "Cannot reach" in first.title_text  # type: ignore[attr-defined]
        await pilot.press("r")  # still down: the failure comes back, no traceback
        await until(
            pilot, lambda: isinstance(app.screen, FailureScreen) and app.screen is not first
        )
        assert app.is_running


async def test_server_restart_reply_fails_visibly_then_goes_once(world: World) -> None:
    v, _ = world.visitor()
    with v:
        cid = v.post("/v1/widget/messages", json={"body": "hello?"}).json()["conversation_id"]
    app = AgentApp(world.url, world.agent_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.live_state == "live" and cid in app.items)
        await pilot.press("enter")
        await until(
            pilot, lambda: isinstance(app.screen, ChatScreen) and app.screen.detail is not None
        )
        await asyncio.to_thread(world.server.stop)
        await until(pilot, lambda: app.live_state == "reconnecting")
        assert "reconnecting" in str(app.screen.query_one("StatusBar", Static).render())
        await pilot.press(*"sorry for the wait", "enter")
        await until(pilot, lambda: "not sent" in screen_text(app, "#chat-note"))
        box = app.screen.query_one("#chat-input", Input)
        assert box.value == "sorry for the wait"  # kept for the retry
        await asyncio.to_thread(world.server.start)
        await until(pilot, lambda: app.live_state == "live", timeout=20)
        # the desk is live again
        with world.visitor()[0] as v2:
            v2.post("/v1/widget/messages", json={"body": "someone else"})
        await until(pilot, lambda: len(app.items) == 2)
        await pilot.press("enter")
        await until(pilot, lambda: box.value == "")
        await until(pilot, lambda: "sorry for the wait" in screen_text(app, "#chat-log"))
    with world.sup() as c:
        msgs = c.get(f"/v1/conversations/{cid}").json()["messages"]
    assert [m["body"] for m in msgs if m["sender"] == "agent"] == ["sorry for the wait"]


async def test_hostile_visitor_text_is_shown_made_visible(
    world: World, recording: list[str]
) -> None:
    v, s = world.visitor(user_agent="\x1b]0;UA-PWNED\x07 Firefox", referrer="\x9b2J[b]ref[/b]")
    with v:
        for p in PAYLOADS:
            v.post("/v1/widget/messages", json={"body": p})
        v.post(
            "/v1/widget/pageviews",
            json={"url": "https://x.example/[@click=app.quit]", "title": "\x1b]0;TITLE-PWNED\x07"},
        )
        with world.sup() as c:
            c.put(
                f"/v1/visitors/{s['visitor_id']}/profile",
                json={"name": "\x1b[2J[red]Eve[/]", "notes": "\x1b]52;c;SGVsbG8=\x07"},
            )
        app = AgentApp(world.url, world.agent_token)
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: app.live_state == "live" and app.queue.table.row_count)
            await asyncio.to_thread(
                v.post,
                "/v1/widget/messages",
                json={"body": "\x1b]0;LIVE-PWNED\x07 [@click=app.quit]x[/]"},
            )
            await until(pilot, lambda: "LIVE-PWNED" in str(app.queue.table.get_row_at(0)[6]))
            await pilot.press("enter")
            await until(
                pilot, lambda: isinstance(app.screen, ChatScreen) and app.screen.detail is not None
            )
            await pilot.pause(0.3)
            log = screen_text(app, "#chat-log")
            assert "\u241b]0;PWNED\u2407" in log and "[@click=app.quit]x[/]" in log
            await asyncio.to_thread(
                v.post, "/v1/widget/messages", json={"body": "\x9b31m live in the chat"}
            )
            await until(pilot, lambda: "<9B>31m live in the chat" in screen_text(app, "#chat-log"))
            await pilot.press("ctrl+o")
            await until(
                pilot,
                lambda: isinstance(app.screen, VisitorScreen) and app.screen.detail is not None,
            )
            details = screen_text(app, "#visitor-body")
            assert "\u241b[2J[red]Eve[/]" in details and "<9B>2J[b]ref[/b]" in details
            await pilot.pause(0.3)
            await pilot.press("escape")
            await pilot.pause(0.2)
            assert app.is_running
    out = "".join(recording)
    assert "PWNED" in out and "\u241b]0;PWNED\u2407" in out
    assert foreign_controls(out) == []


def test_cli_agent_console_and_agent_add(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHATSUP_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("CHATSUP_CONSOLE__AGENT_TOKEN", raising=False)
    from chatsup import demo

    monkeypatch.setattr(demo, "user_data_dir", lambda: tmp_path / "data")  # not a real demo's
    assert cli.main(["agent"]) == 2  # no token: says how to get one
    assert "agent_token" in capsys.readouterr().err
    assert cli.main(["agent", "--demo"]) == 1  # no demo running
    assert "chatsup demo" in capsys.readouterr().err
    db = tmp_path / "x.db"
    assert cli.main(["agent", "add", "Zed", "--email", "zed@example.com", "--db", str(db)]) == 0
    assert capsys.readouterr().out.strip().startswith("agt_")


def test_agent_api_lists_and_refuses(world: World) -> None:
    with world.http(world.agent_token) as a:
        assert a.get("/v1/agent/me").json() == {
            "id": world.agent_id,
            "name": "Alice",
            "email": "alice@example.com",
            "presence": "offline",
        }
        assert a.get("/v1/agent/conversations", params={"scope": "nope"}).status_code == 422
        assert a.get("/v1/agent/conversations/999").status_code == 404
    with world.sup() as c:
        assert c.get("/v1/agent/me").status_code == 403
    assert httpx.get(f"{world.url}/v1/agent/conversations", timeout=5).status_code == 401
    cids = []
    for i in range(3):
        v, _ = world.visitor()
        with v:
            cids.append(
                v.post("/v1/widget/messages", json={"body": f"m{i}"}).json()["conversation_id"]
            )
    with world.http(world.agent_token) as a:
        a.post(f"/v1/agent/conversations/{cids[0]}/messages", json={"body": "mine"})
        page = a.get("/v1/agent/conversations", params={"limit": 2}).json()
        rest = a.get(
            "/v1/agent/conversations", params={"limit": 2, "cursor": page["next_cursor"]}
        ).json()
        assert [c["id"] for c in page["items"] + rest["items"]] == cids[::-1]
        assert rest["next_cursor"] is None
        waiting = a.get("/v1/agent/conversations", params={"scope": "waiting"}).json()
        assert [c["id"] for c in waiting["items"]] == cids[:0:-1]
        mine = a.get("/v1/agent/conversations", params={"scope": "mine"}).json()
        assert [c["id"] for c in mine["items"]] == [cids[0]]
        a.post(f"/v1/agent/conversations/{cids[0]}/end")
        assert a.get("/v1/agent/conversations", params={"scope": "mine"}).json()["items"] == []


def test_chatsup_agent_demo_answers_a_visitor_of_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chatsup import demo

    monkeypatch.setattr(demo, "SEED_DAYS", 1)
    monkeypatch.setattr(demo, "SEED_SCALE", 0.01)
    traffic = demo.Traffic(rate=0.01, visitors=1, agents=3, speed=1.0, seed=5)
    data = tmp_path / "data"
    with demo.DemoStack(
        make_settings(tmp_path), data_dir=data, traffic=traffic, say=lambda _: None
    ) as info:
        url, token, page = demo.demo_advisor(data)
        assert (url, token) == (info.url, info.advisor_token)
        assert token not in info.agent_tokens  # the simulated advisors are others
        assert page == f"{info.url}/demo/{info.site_keys[0]}"
        assert (data / demo.ADVISOR_FILE).stat().st_mode & 0o077 == 0

        async def answer() -> None:
            async with httpx.AsyncClient(base_url=url, timeout=10) as http:
                s = (
                    await http.post("/v1/widget/sessions", json={"site_key": info.site_keys[0]})
                ).json()
                auth = {"Authorization": f"Bearer {s['token']}"}
                cid = (
                    await http.post(
                        "/v1/widget/messages", json={"body": "hi from the page"}, headers=auth
                    )
                ).json()["conversation_id"]
                app = AgentApp(url, token, hint="open the page")
                async with app.run_test(size=(80, 24)) as pilot:
                    await until(pilot, lambda: app.live_state == "live" and cid in app.items)
                    assert app.me is not None and app.me.name == "You"
                    table = app.queue.table
                    table.move_cursor(row=table.get_row_index(str(cid)))
                    await pilot.press("enter")
                    await until(
                        pilot,
                        lambda: (
                            isinstance(app.screen, ChatScreen) and app.screen.detail is not None
                        ),
                    )
                    await pilot.press(*"hello from You", "enter")
                    await until(pilot, lambda: app.items[cid].agent is not None)
                sup = {"Authorization": f"Bearer {info.supervisor_token}"}
                d = (await http.get(f"/v1/conversations/{cid}", headers=sup)).json()
                assert [m["body"] for m in d["messages"]] == ["hi from the page", "hello from You"]

        asyncio.run(answer())
    assert not (data / demo.ADVISOR_FILE).exists()


def test_the_agent_console_talks_to_the_server_only_through_the_client() -> None:
    import ast

    import chatsup.agent_console

    root = Path(chatsup.agent_console.__file__).parent
    allowed = (
        "chatsup.agent_console",
        "chatsup.client",
        "chatsup.domain",
        "chatsup.kit",  # the console kit, which imports no app
    )
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [f"{node.module}.{a.name}" for a in node.names]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                if name.startswith("chatsup"):
                    assert name.startswith(allowed), f"{path.name} imports {name}"
