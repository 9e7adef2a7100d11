"""A supervisor in a live chat: a note, a message to the visitor and a
transfer, typed in the console, reach the server and are drawn."""

from __future__ import annotations

from typing import Any

from chatsup.kit.confirm import ConfirmScreen
from chatsup.tui.app import ChatsupApp
from chatsup.tui.screens.live_actions import AgentPicker, SayDialog
from chatsup.tui.screens.tail import TailScreen
from chatsup.tui.screens.transcript import TranscriptScreen
from tests.harness import World
from tests.tui.pilot import screen_text, until


def answered_chat(w: World) -> dict[str, Any]:
    with w.sup() as c:
        items = c.get("/v1/conversations").json()["items"]
    return next(i for i in items if i["agent"] and i["agent"]["id"] == w.agent_id)


async def test_note_write_and_transfer_from_the_transcript(busy_world: World) -> None:
    w = busy_world
    cid = answered_chat(w)["id"]
    app = ChatsupApp(w.url, w.sup_token)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await until(pilot, lambda: app.messages.table.row_count == 3)
        app.push_screen(TranscriptScreen(cid))
        await until(pilot, lambda: "answer" in screen_text(app))
        # the footer is drawn a frame after the transcript's first lines
        await until(pilot, lambda: "n Note" in screen_text(app).splitlines()[-1])
        footer = screen_text(app).splitlines()[-1]
        assert "n Note" in footer and "w Write" in footer and "x Transfer" in footer

        # n: a note, internal, drawn as a note
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, SayDialog))
        await pilot.press(*"check the tracking")
        await pilot.press("enter")
        await until(pilot, lambda: "note from supervisor: check the tracking" in screen_text(app))
        with w.sup() as c:
            msgs = c.get(f"/v1/conversations/{cid}").json()["messages"]
        note = next(m for m in msgs if m["body"] == "check the tracking")
        assert note["internal"] is True and note["sender"] == "supervisor"

        # w: to the visitor, labelled "supervisor", not a note
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, SayDialog))
        await pilot.press(*"hello from the boss")
        await pilot.press("enter")
        await until(pilot, lambda: "supervisor: hello from the boss" in screen_text(app))
        assert "note from supervisor: hello" not in screen_text(app)
        with w.sup() as c:
            msgs = c.get(f"/v1/conversations/{cid}").json()["messages"]
        sent = next(m for m in msgs if m["body"] == "hello from the boss")
        assert sent["internal"] is False and sent["sender"] == "supervisor"

        # x: the picker (presence shown, the holder greyed), confirm, moved
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, AgentPicker))
        shown = screen_text(app)
        assert "Bob" in shown and "offline" in shown and "(holds it)" in shown
        await pilot.press("enter")  # the first one that can be chosen: Bob
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "to Bob?" in screen_text(app)
        await pilot.press("y")
        await until(pilot, lambda: "advisor Bob" in screen_text(app))
        with w.sup() as c:
            conv = c.get(f"/v1/conversations/{cid}").json()["conversation"]
        assert conv["agent"]["id"] == w.agent2_id


async def test_tail_of_one_chat_whispers_and_watching_sends_nothing(busy_world: World) -> None:
    w = busy_world
    cid = answered_chat(w)["id"]
    with w.sup() as c:
        before = len(c.get(f"/v1/conversations/{cid}").json()["messages"])
    app = ChatsupApp(w.url, w.sup_token)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.messages.table.row_count == 3)
        app.push_screen(TranscriptScreen(cid))
        await until(pilot, lambda: "answer" in screen_text(app))
        await pilot.press("T")
        await until(pilot, lambda: isinstance(app.screen, TailScreen))
        tail = app.screen

        def log_text() -> str:
            return "\n".join(line.text for line in tail.log_view.lines)

        await until(pilot, lambda: "live from here" in log_text())
        await pilot.pause(0.5)  # following silently: nothing is sent
        with w.sup() as c:
            assert len(c.get(f"/v1/conversations/{cid}").json()["messages"]) == before
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, SayDialog))
        await pilot.press(*"psst")
        await pilot.press("enter")
        await until(pilot, lambda: "note from supervisor: psst" in log_text())
        assert log_text().count("psst") == 1


async def test_details_list_media_and_s_saves_the_upload(
    world: World, tmp_path: Any, monkeypatch: Any
) -> None:
    from chatsup.tui.screens.details import DetailsScreen
    from chatsup.tui.screens.save_media import SaveMediaDialog

    monkeypatch.setenv("HOME", str(tmp_path))
    data = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" + bytes(range(256))
    v, s = world.visitor()
    with v:
        up = v.post(
            "/v1/widget/media", files={"file": ("../in\u202evoice.pdf", data, "x/y")}
        ).json()
        v.post("/v1/widget/messages", json={"body": "see file", "media_id": up["media_id"]})
    app = ChatsupApp(world.url, world.sup_token)
    async with app.run_test(size=(100, 40)) as pilot:
        await until(pilot, lambda: app.messages.table.row_count == 1)
        app.push_screen(DetailsScreen(s["visitor_id"]))
        await until(pilot, lambda: "Media (1)" in screen_text(app), 15)
        shown = screen_text(app)
        assert up["name"] in shown and "application/pdf" in shown and f"{len(data):,}" in shown
        assert "endobj" not in shown  # never its bytes
        dest = tmp_path / up["name"]
        dest.write_bytes(b"old")
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SaveMediaDialog))
        assert app.screen.query_one("#sm-path").value == str(dest)  # the default
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))  # it exists: asked
        await pilot.press("n")
        await until(pilot, lambda: "not replaced" in screen_text(app))
        assert dest.read_bytes() == b"old"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: "saved:" in screen_text(app))
        assert dest.read_bytes() == data


async def test_messages_export_per_conversation(busy_world: World, tmp_path: Any) -> None:
    import csv

    from textual.widgets import Select

    from chatsup.tui.screens.export import ExportScreen

    app = ChatsupApp(busy_world.url, busy_world.sup_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.messages.table.row_count == 3)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ExportScreen))
        shown = screen_text(app)  # at 80x24 the whole form shows: rows, path, status
        assert "one per message" in shown and "Path" in shown and "enter: export" in shown
        app.screen.query_one("#ex-per", Select).value = "conversation"
        dest = tmp_path / "chats.csv"
        app.screen.query_one("#ex-path").value = str(dest)
        await pilot.press("enter")
        await until(pilot, lambda: dest.exists(), 15)
    rows = list(csv.DictReader(dest.read_text().splitlines()))
    assert len(rows) == 3  # one per chat (the chats hold 3 + 2 + 2 messages)
    assert {"first_response_s", "messages"} <= set(rows[0])


async def test_the_transfer_picker_shows_presence_now_and_follows_it(busy_world: World) -> None:
    """The console connects with Bob offline; Bob's advisor console connects
    afterwards: `x` shows Bob online (before: offline, as of the console's
    connection). While the picker is open Bob leaves, then comes back: his
    line follows, and the confirmation says what the line says."""
    from websockets.asyncio.client import connect

    w = busy_world
    cid = answered_chat(w)["id"]
    url = f"{w.server.ws_url}/v1/agent/ws?token={w.agent2_token}"

    def bob_line() -> str:
        return next((ln for ln in screen_text(app).splitlines() if "Bob" in ln), "")

    app = ChatsupApp(w.url, w.sup_token)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.messages.table.row_count == 3)
        assert next(a for a in app.ctx.agents if a.id == w.agent2_id).presence == "offline"
        app.push_screen(TranscriptScreen(cid))
        await until(pilot, lambda: "answer" in screen_text(app))
        async with connect(url) as bob:
            await bob.ping()
            await pilot.press("x")
            await until(pilot, lambda: isinstance(app.screen, AgentPicker))
            await until(pilot, lambda: "online" in bob_line())
        # Bob's socket closed: the open picker follows the live stream
        await until(pilot, lambda: "offline" in bob_line())
        assert isinstance(app.screen, AgentPicker)
        async with connect(url) as bob:
            await bob.ping()
            await until(pilot, lambda: "online" in bob_line())
            await pilot.press("enter")  # Bob, the first that can be chosen
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert "Bob is online" in screen_text(app)
            await pilot.press("n")
