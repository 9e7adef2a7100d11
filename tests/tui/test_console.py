"""The console driven by Textual's pilot against a real server."""

from __future__ import annotations

import asyncio
from typing import Any

from chatsup.tui.app import ChatsupApp
from tests.harness import World
from tests.tui.pilot import screen_text, until


async def ready(pilot, app: ChatsupApp, rows: int) -> None:
    """The Messages list has its rows and the focus (as a user sees it), and
    its banner is built whole (its first line's widgets come right after the
    first frame: kit/row_preview.py)."""
    from chatsup.kit.paged_table import PagedTable

    try:
        await until(
            pilot,
            lambda: (
                app.messages.table.row_count == rows
                and isinstance(app.focused, PagedTable)
                and app.messages.banner.row_ready
            ),
        )
    except AssertionError:
        raise AssertionError(f"rows {app.messages.table.row_count}, focus {app.focused}") from None


def app_for(world: World) -> ChatsupApp:
    return ChatsupApp(world.url, world.sup_token)


async def test_messages_tab_lists_chats(busy_world: World) -> None:
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.messages.table
        await until(pilot, lambda: table.row_count == 3)
        assert app.tz.key == "Europe/Paris"  # the company's, from the server
        first = table.current
        assert first is not None and first.last_message.preview == "My umbrella is broken"


async def test_live_message_arrives(busy_world: World) -> None:
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.messages.table
        await until(pilot, lambda: table.row_count == 3)
        await pilot.press("down")
        selected = table.current
        v, _ = busy_world.visitor()
        with v:
            await asyncio.to_thread(v.post, "/v1/widget/messages", json={"body": "live hello"})
        await until(pilot, lambda: table.row_count == 4)
        assert table.current is selected  # the cursor stayed on the user's row
        top = table.items[next(iter(str(k.value) for k in table.rows))]
        assert any(
            i.last_message and i.last_message.preview == "live hello" for i in table.items.values()
        )
        del top


async def test_every_tab_loads(busy_world: World) -> None:
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.messages.table.row_count == 3)
        for key, name, rows in (
            ("2", "offline", 1),
            ("3", "calls", 1),
            ("4", "visitors", 3),
            ("5", "contacts", 1),
        ):
            await pilot.press(key)
            table = app.tab(name).table
            await until(pilot, lambda table=table, rows=rows: table.row_count == rows)
        summary = str(app.query_one("#call-summary").render())
        assert "calls 1" in summary and "missed 1" in summary
        await pilot.press("6")
        await pilot.press("1")
        assert app.query_one("TabbedContent").active == "messages"


async def test_search_shows_snippets(busy_world: World) -> None:
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.messages.table
        await until(pilot, lambda: table.row_count == 3)
        await pilot.press("slash")
        await pilot.press(*"umbrella", "enter")
        await until(pilot, lambda: table.row_count == 1)
        assert table.current.snippet and "«umbrella»" in table.current.snippet
        await pilot.press("escape")  # leaves the search box, the text kept
        await until(pilot, lambda: app.focused is table)
        assert table.row_count == 1 and app.messages.filters.q == "umbrella"
        await pilot.press("escape")  # on the list: clears the search
        await until(pilot, lambda: table.row_count == 3)


async def test_details_and_profile_form(busy_world: World) -> None:
    from chatsup.tui.screens.details import DetailsScreen
    from chatsup.tui.screens.profile_form import ProfileForm

    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        await pilot.press("enter")
        await until(
            pilot, lambda: isinstance(app.screen, DetailsScreen) and app.screen.detail is not None
        )
        details = app.screen
        session = str(details.query_one("#d-session").render())
        assert "first connection" in session and "webrtc" in session
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, ProfileForm))
        await pilot.press(*"Zoé", "tab")
        await pilot.press(*"not-an-email", "ctrl+s")
        await until(
            pilot,
            lambda: (
                "email" in str(app.screen.query_one("#err-email").render()).lower()
                or "@" in str(app.screen.query_one("#err-email").render())
            ),
        )
        assert isinstance(app.screen, ProfileForm)  # still open, with the error inline
        email = app.screen.query_one("#pf-email")
        email.value = "zoe@example.com"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, DetailsScreen))
        await until(pilot, lambda: "Zoé" in str(details.query_one("#d-profile").render()))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, DetailsScreen))


async def test_mail_from_the_console(busy_world: World) -> None:
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await ready(pilot, app, 3)
        await pilot.press("m")
        from chatsup.tui.screens.mail_address import MailAddressDialog

        await until(pilot, lambda: isinstance(app.screen, MailAddressDialog))
        # prefilled with the server's supervisor address (GET /v1/settings)
        await until(pilot, lambda: app.screen.query_one("#mail-to").value == "boss@example.com")
        await pilot.press("enter")
        outbox = busy_world.settings.smtp.outbox
        await until(pilot, lambda: outbox.exists() and any(outbox.glob("*.eml")))
        await until(pilot, lambda: any("saved to" in n.message for n in app._notifications))
        assert not isinstance(app.screen, MailAddressDialog)


async def test_contacts_drill_down_and_delete(busy_world: World) -> None:
    from chatsup.kit.confirm import ConfirmScreen

    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        await pilot.press("5")
        contacts = app.tab("contacts").table
        await until(pilot, lambda: contacts.row_count == 1 and app.focused is contacts)
        vid = contacts.current.id
        await pilot.press("c")  # chats of this visitor, in Messages
        await until(
            pilot,
            lambda: (
                app.query_one("TabbedContent").active == "messages"
                and app.messages.table.row_count == 1
            ),
        )
        assert app.messages.table.current.visitor.id == vid
        await pilot.press("5")
        await until(pilot, lambda: app.focused is contacts)
        await pilot.press("v")
        visitors = app.tab("visitors").table
        await until(pilot, lambda: visitors.row_count == 1 and visitors.current.id == vid)
        await pilot.press("5")
        await until(pilot, lambda: app.focused is contacts)
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(pilot, lambda: contacts.row_count == 0)


async def test_offline_switch_with_confirmation(busy_world: World) -> None:
    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        await pilot.press("2")
        table = app.tab("offline").table
        await until(pilot, lambda: table.row_count == 1 and app.focused is table)
        await pilot.press("o")
        await pilot.pause(0.2)
        await pilot.press("enter")  # the first site
        await pilot.pause(0.2)
        await pilot.press("y")
        await until(pilot, lambda: not app.sites[0].offline_enabled)
    with busy_world.sup() as c:
        assert c.get("/v1/sites").json()["items"][0]["offline_enabled"] is False


async def test_export_writes_the_file(busy_world: World, tmp_path) -> None:
    from chatsup.tui.screens.export import ExportScreen

    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ExportScreen))
        dest = tmp_path / "chats.csv"
        app.screen.query_one("#ex-path").value = str(dest)
        await pilot.press("enter")
        await until(pilot, lambda: dest.exists())
        await until(pilot, lambda: "written" in str(app.screen.query_one("#ex-status").render()))
    assert dest.read_text("utf-8-sig").startswith("conversation_id,")


async def test_reconnects_after_a_restart_without_gap(busy_world: World) -> None:
    from chatsup.tui.screens.tail import TailScreen

    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TailScreen))
        tail = app.screen
        v, s = busy_world.visitor()
        v.close()
        token = s["token"]

        def say(body: str) -> None:
            with busy_world.http(token) as c:
                assert c.post("/v1/widget/messages", json={"body": body}).status_code == 201

        await asyncio.to_thread(say, "before restart")
        await until(pilot, lambda: "before restart" in tail_text(tail))
        await asyncio.to_thread(busy_world.server.stop)
        bar = app.query_one("TopBar")
        await until(pilot, lambda: bar.state == "reconnecting")
        # written while the console is away (straight into the store)
        from chatsup.server.store import Store
        from chatsup.server.store import messages as messages_store

        store = Store.open(busy_world.settings.store.path, tz=busy_world.settings.tz)
        vid = s["visitor_id"]
        sid = s["session_id"]
        store.write_sync(
            messages_store.visitor_message,
            vid,
            sid,
            busy_world.site_id,
            messages_store.NewMessage("while away"),
        )
        store.close()
        await asyncio.to_thread(busy_world.server.start)
        await asyncio.to_thread(say, "after restart")
        await until(pilot, lambda: "after restart" in tail_text(tail), timeout=20)
        text = tail_text(tail)
        assert text.count("before restart") == 1 and text.count("while away") == 1
        assert text.index("before restart") < text.index("while away") < text.index("after restart")
        assert bar.state == "live"


def tail_text(tail) -> str:
    return "\n".join(line.text for line in tail.query_one("RichLog").lines)


async def test_a_late_focus_of_a_list_does_not_bring_its_tab_back(busy_world: World) -> None:
    """The list's focus comes after a refresh at its first activation; a
    tab chosen in between (a key right after the start) keeps the front:
    the late focus of a hidden tab's list is dropped (TabbedContent would
    follow it back)."""
    from chatsup.kit.paged_table import PagedTable

    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        await pilot.press("4")
        visitors = app.tab("visitors").table
        await until(pilot, lambda: visitors.row_count == 3 and app.focused is visitors)
        app.messages._focus_list()  # as the first activation's late callback does
        await pilot.pause(0.2)
        assert app.query_one("TabbedContent").active == "visitors"  # type: ignore[attr-defined]
        assert isinstance(app.focused, PagedTable) and app.focused is visitors
        assert "3 shown" in screen_text(app) and "Last line" not in screen_text(app)


async def test_live_rows_look_nothing_up_in_the_dom(busy_world: World) -> None:
    """A live event reaches the Messages list, its status line and
    Monitoring without a DOM query (one per event cost the console ~a
    fifth of its CPU while tailing, P8): kept references, and the status
    line drawn again only when what it says changes."""
    from textual.dom import DOMNode

    app = app_for(busy_world)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app, 3)
        await until(pilot, lambda: app.built("monitoring") is not None)  # (the preload)
        status = app.messages.query_one(".status")
        queries = 0
        query = DOMNode.query

        def counted(self: DOMNode, selector: Any = None) -> Any:
            nonlocal queries
            queries += 1
            return query(self, selector)

        DOMNode.query = counted  # type: ignore[method-assign]
        try:
            v, _ = busy_world.visitor()
            with v:
                for i in range(5):
                    await asyncio.to_thread(v.post, "/v1/widget/messages", json={"body": f"q {i}"})
            await until(pilot, lambda: app.messages.table.row_count == 4 and app.live_events >= 5)
        finally:
            DOMNode.query = query  # type: ignore[method-assign]
        assert queries < app.live_events, (queries, app.live_events)
        assert "4 shown" in str(status.render())
