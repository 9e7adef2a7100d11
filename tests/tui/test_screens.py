"""Issue 12's screens, driven against a real server: mail with an address,
the demo's `m` end to end, export overwrite, profile form validation, the
visible tab coming back after the server restarts."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from chatsup import demo
from chatsup.tui.app import ChatsupApp
from chatsup.tui.screens.mail_address import MailAddressDialog
from tests.harness import World, make_settings
from tests.tui.pilot import drawn_rows, until


def text_of(app: ChatsupApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def test_settings_route_and_mail_answer(busy_world: World) -> None:
    with busy_world.sup() as c:
        got = c.get("/v1/settings").json()
        assert got == {
            "supervisor_address": "boss@example.com",
            "smtp": False,
            "timezone": "Europe/Paris",
        }
        cid = c.get("/v1/conversations").json()["items"][0]["id"]
        res = c.post(f"/v1/conversations/{cid}/mail", json={})
        assert res.status_code == 202 and Path(res.json()["eml_path"]).exists()
    with busy_world.http(busy_world.agent_token) as a:
        assert a.get("/v1/settings").status_code == 403


async def test_mail_dialog_keeps_a_refused_address(busy_world: World) -> None:
    app = ChatsupApp(busy_world.url, busy_world.sup_token)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until(pilot, lambda: app.messages.table.row_count == 3)
        await pilot.press("m")
        await until(pilot, lambda: isinstance(app.screen, MailAddressDialog))
        await until(pilot, lambda: app.screen.query_one("#mail-to").value == "boss@example.com")
        app.screen.query_one("#mail-to").value = "nobody"
        await pilot.press("enter")
        await until(pilot, lambda: "to:" in text_of(app, "#mail-error"))
        assert isinstance(app.screen, MailAddressDialog)  # still open, the error under it
        app.screen.query_one("#mail-to").value = "other@example.org"
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, MailAddressDialog))
        outbox = busy_world.settings.smtp.outbox
        await until(pilot, lambda: any(outbox.glob("*.eml")))
        eml = next(outbox.glob("*.eml")).read_text()
        assert "To: other@example.org" in eml
        await until(
            pilot, lambda: any("other@example.org" in n.message for n in app._notifications)
        )


async def test_demo_m_mails_the_transcript_to_the_outbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`chatsup demo` as shipped: `m` on the Messages list asks for the
    address (prefilled), and the transcript lands in the demo's outbox."""
    monkeypatch.setattr(demo, "SEED_DAYS", 2)
    monkeypatch.setattr(demo, "SEED_SCALE", 0.05)
    settings = make_settings(tmp_path)
    settings.timezone = "UTC"  # as a fresh install: the demo picks the French zone
    settings.smtp.supervisor_address = None
    data = tmp_path / "data"
    traffic = demo.Traffic(rate=0.01, visitors=1, agents=1, speed=1.0, seed=1)
    with demo.DemoStack(settings, data_dir=data, traffic=traffic, say=lambda _: None) as info:
        app = ChatsupApp(info.url, info.supervisor_token)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            table = app.messages.table
            await until(pilot, lambda: table.row_count > 0 and table.current is not None, 20)
            assert app.tz.key == "Europe/Paris"
            chosen = table.current
            await pilot.press("m")
            await until(pilot, lambda: isinstance(app.screen, MailAddressDialog))
            await until(pilot, lambda: app.screen.query_one("#mail-to").value != "")
            assert app.screen.query_one("#mail-to").value == demo.SUPERVISOR_ADDRESS
            await pilot.press("enter")
            outbox = data / "outbox"
            await until(pilot, lambda: outbox.exists() and any(outbox.glob("*.eml")), 15)
            await until(pilot, lambda: any(".eml" in n.message for n in app._notifications))
        eml = next(outbox.glob("*.eml")).read_text()
        assert f"Chat #{chosen.id}" in eml and f"To: {demo.SUPERVISOR_ADDRESS}" in eml
        assert httpx.get(f"{info.url}/v1/health", timeout=5).json()["timezone"] == "Europe/Paris"
    # the stopped demo folds its write-ahead log back in
    wal = data / (demo.DEMO_DB + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


async def test_profile_form_every_error_at_once_and_asks_before_discarding(
    busy_world: World,
) -> None:
    from chatsup.kit.confirm import ConfirmScreen
    from chatsup.tui.screens.details import DetailsScreen
    from chatsup.tui.screens.profile_form import ProfileForm

    app = ChatsupApp(busy_world.url, busy_world.sup_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.messages.table.row_count == 3)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailsScreen) and app.screen.detail)
        details = app.screen
        assert details.query_one("#details").scroll_y == 0  # opens at its top
        assert "Profile" in str(details.query_one("#d-profile").render())
        page = details.query_one("#details")
        await pilot.press("pagedown")  # scrolls at once, nothing focused first
        await until(pilot, lambda: page.scroll_y > 0)
        await pilot.press("home")
        await until(pilot, lambda: page.scroll_y == 0)
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, ProfileForm))
        form = app.screen
        form.query_one("#pf-email").value = "not-an-email"
        form.query_one("#pf-phone").value = "call me maybe"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "email" in text_of(app, "#err-email"))
        assert "phone" in text_of(app, "#err-phone")  # both, on the first save
        await pilot.press("escape")  # typed: asks first
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await until(pilot, lambda: app.screen is form)
        assert form.query_one("#pf-email").value == "not-an-email"  # kept
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: app.screen is details)


async def test_export_asks_before_replacing_and_says_a_bad_path(
    busy_world: World, tmp_path: Path
) -> None:
    from chatsup.kit.confirm import ConfirmScreen
    from chatsup.tui.screens.export import ExportScreen

    app = ChatsupApp(busy_world.url, busy_world.sup_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.messages.table.row_count == 3)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ExportScreen))
        box = app.screen.query_one("#ex-path")
        box.value = str(tmp_path / "nowhere" / "x.csv")
        await pilot.press("enter")
        await until(pilot, lambda: "does not exist" in text_of(app, "#ex-status"))
        assert ".part" not in text_of(app, "#ex-status")
        existing = tmp_path / "x.csv"
        existing.write_text("kept\n")
        box.value = str(existing)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await until(pilot, lambda: "not replaced" in text_of(app, "#ex-status"))
        assert existing.read_text() == "kept\n"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: "written" in text_of(app, "#ex-status"))
        assert "Where is my parcel?" in existing.read_text()


async def test_visible_tab_comes_back_with_the_server(busy_world: World) -> None:
    """The server dies under the console: the tab in front says so; the
    server comes back: its rows are back, no key pressed."""
    from chatsup.tui.app import TopBar

    app = ChatsupApp(busy_world.url, busy_world.sup_token)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.messages.table.row_count == 3)
        bar = app.query_one(TopBar)
        await until(pilot, lambda: bar.state == "live")
        busy_world.server.stop()
        await until(pilot, lambda: bar.state != "live", 15)
        await pilot.press("4")  # Visitors, first shown while the server is away
        visitors = app.tab("visitors")
        status = visitors.query_one(".status")
        await until(pilot, lambda: "reach" in str(status.render()).lower(), 15)
        assert visitors.table.row_count == 0
        busy_world.server.start()
        await until(pilot, lambda: bar.state == "live", 30)
        await until(pilot, lambda: visitors.table.row_count == 3, 15)
        # the status follows the rows (the table's Loaded message, handled
        # a moment after the rows are in: seen under load)
        await until(pilot, lambda: "3 shown" in str(status.render()))
        assert "reach" not in str(status.render()).lower()


async def test_tail_opens_with_what_came_before_and_its_state(busy_world: World) -> None:
    from chatsup.tui.screens.tail import TailScreen

    app = ChatsupApp(busy_world.url, busy_world.sup_token)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.messages.table.row_count == 3)
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TailScreen))
        tail = app.screen

        def log_text() -> str:
            return "\n".join(line.text for line in tail.log_view.lines)

        await until(pilot, lambda: "Where is my parcel?" in log_text())
        # the backlog comes over HTTP; the live stream, opened after the
        # first rows, may still be connecting: the title follows it
        await until(pilot, lambda: "live" in text_of(app, "#tail-title"))
        await pilot.press("escape")
        # T on the selected chat (the newest: "My umbrella is broken"): the chat so far
        await pilot.press("T")
        await until(pilot, lambda: isinstance(app.screen, TailScreen))
        tail = app.screen
        await until(pilot, lambda: "My umbrella is broken" in log_text())
        assert "parcel" not in log_text()
        with busy_world.http(busy_world.agent_token) as a:
            cid = tail.conversation_id
            a.post(f"/v1/agent/conversations/{cid}/messages", json={"body": "On its way"})
        await until(pilot, lambda: "On its way" in log_text())
        assert log_text().count("On its way") == 1


async def test_search_finds_people_on_messages_and_visitors(busy_world: World) -> None:
    """`/` with a visitor's name or number, as the console shows them."""
    app = ChatsupApp(busy_world.url, busy_world.sup_token)
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.messages.table
        await until(pilot, lambda: table.row_count == 3)
        await pilot.press("slash")
        await pilot.press(*"Mathieu", "enter")  # a name no message has
        await until(pilot, lambda: table.row_count == 1)
        number = table.current.visitor.number
        assert any("Mathieu" in cell for row in drawn_rows(table) for cell in row)
        await pilot.press("escape")  # leaves the search box, keeps the text
        await until(pilot, lambda: app.focused is table)
        await pilot.press("escape")  # on the list: clears the search
        await until(pilot, lambda: table.row_count == 3)
        await pilot.press("4")
        visitors = app.tab("visitors").table
        await until(pilot, lambda: visitors.row_count == 3)
        await pilot.press("slash")
        await pilot.press(*f"V{number}", "enter")
        await until(pilot, lambda: visitors.row_count == 1)
        assert visitors.current.number == number
        assert any(f"V{number}" in cell for row in drawn_rows(visitors) for cell in row)
