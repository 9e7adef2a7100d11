"""Several advisors, sites and statuses in the banner, from the keyboard,
against the real server: `A` / `U` open the pickers, `space` picks,
`enter` applies; the rows drawn on screen are the union the server lists
for the same choice (and for each advisor alone); the banner says the
choice; live rows follow the same rule (one that stops matching goes, a
new one that matches comes); reports and exports take the choice too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chatsup.domain import rules
from chatsup.kit.multi_picker import MultiPicker, compact
from chatsup.tui.app import ChatsupApp
from tests.harness import World
from tests.test_api_lists import all_pages, chat
from tests.test_multi_filters import _traffic
from tests.tui.pilot import drawn_rows, until
from tests.tui.test_lists import banner_text


def _world(tmp_path: Path) -> World:
    """Chats on both sites (tests.test_multi_filters); every visit was
    presented to Alice, so Bob gets one unanswered chat by a transfer."""
    w = World(tmp_path)
    _traffic(w)
    with w.sup() as c:
        first = next(i for i in all_pages(c, "/v1/conversations") if i["unanswered"])
        r = c.post(f"/v1/conversations/{first['id']}/assign", json={"agent_id": w.agent2_id})
        assert r.status_code == 200, r.text
    return w


async def _pick(pilot: Any, app: ChatsupApp, key: str, labels: list[str]) -> None:
    """Open a picker with its key, pick the options whose label starts with
    one of `labels` (moving down with the arrow, `space` to pick), `enter`."""
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, MultiPicker))
    options = app.screen.selection
    for i in range(options.option_count):
        prompt = str(options.get_option_at_index(i).prompt)
        if any(prompt.startswith(label) for label in labels):
            await pilot.press("space")
        await pilot.press("down")
    await pilot.press("enter")
    await until(pilot, lambda: not isinstance(app.screen, MultiPicker))


def _on_screen(app: ChatsupApp) -> set[tuple[str, str, str]]:
    """(advisor, status, last line) of every row drawn in Messages."""
    table = app.messages.table
    header, *rows = drawn_rows(table)
    cols = [header.index(c) for c in ("Advisor", "Status", "Last line")]
    return {tuple(r[i] for i in cols) for r in rows}  # type: ignore[misc]


def _expected(items: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {
        (
            (i["advisor"] or {}).get("name", "—"),
            rules.shown_status(i["status"], i["unanswered"]),
            i["last_message"]["preview"],
        )
        for i in items
    }


async def test_two_advisors_and_a_status_show_the_servers_union(tmp_path: Path) -> None:
    world = _world(tmp_path)
    try:
        with world.sup() as c:
            both = all_pages(
                c,
                "/v1/conversations",
                agent_id=[world.agent_id, world.agent2_id],
                status="unanswered",
            )
            alone = [
                all_pages(c, "/v1/conversations", agent_id=a, status="unanswered")
                for a in (world.agent_id, world.agent2_id)
            ]
            everything = all_pages(c, "/v1/conversations")
        assert {i["id"] for i in both} == {i["id"] for part in alone for i in part}
        assert all(part for part in alone) and len(both) < len(everything)
        app = ChatsupApp(world.url, world.sup_token)
        async with app.run_test(size=(120, 30)) as pilot:
            table = app.messages.table
            await until(pilot, lambda: table.row_count == len(everything) and not table.fetching)
            await _pick(pilot, app, "A", ["Alice", "Bob"])
            await _pick(pilot, app, "U", ["unanswered"])
            f = app.messages.filters
            assert set(f.values("agent_id")) == {world.agent_id, world.agent2_id}
            assert f.values("status") == ("unanswered",)
            await until(pilot, lambda: table.row_count == len(both) and not table.fetching)
            await pilot.pause(0.2)
            assert _on_screen(app) == _expected(both)
            text = banner_text(app, app.messages.banner)
            assert "Advisors: Alice, Bob" in text and "Status: unanswered" in text

            # live: Alice answers one of them (it goes), a new chat presented comes
            gone = next(i for i in both if i["advisor"]["id"] == world.agent_id)
            with world.http(world.agent_token) as ag:
                r = ag.post(f"/v1/agent/conversations/{gone['id']}/messages", json={"body": "here"})
                assert r.status_code == 201
            new = chat(world, "a new one, live")
            await until(
                pilot,
                lambda: (
                    str(gone["id"]) not in table.items
                    and str(new["conversation_id"]) in table.items
                ),
            )
            with world.sup() as c:
                now = all_pages(
                    c,
                    "/v1/conversations",
                    agent_id=[world.agent_id, world.agent2_id],
                    status="unanswered",
                )
            await pilot.pause(0.3)
            assert _on_screen(app) == _expected(now)

            # escape on the list: the advisors go, then the status
            table.focus()
            await pilot.press("escape")
            await until(pilot, lambda: app.messages.filters.values("agent_id") == ())
            assert "Any advisor" in banner_text(app, app.messages.banner)
    finally:
        world.server.stop()


async def test_the_choice_applies_to_reports_and_exports(tmp_path: Path) -> None:
    """Monitoring's banner picks two sites: the Agent statistics total is the
    sum of each site's; the export dialog gets the same filters."""
    world = _world(tmp_path)
    try:
        with world.sup() as c:
            per_site = [
                sum(
                    r["chats"]
                    for r in c.get("/v1/stats/agents", params={"site_id": s}).json()["rows"]
                )
                for s in (world.site_id, world.site2_id)
            ]
        app = ChatsupApp(world.url, world.sup_token)
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: app.messages.table.row_count > 0)
            await pilot.press("6", "a")
            mon = app.tab("monitoring")
            view = mon.view("astats")
            await until(pilot, lambda: view.data is not None)
            await _pick(pilot, app, "S", ["Shop", "Blog"])
            await until(
                pilot,
                lambda: (
                    set(view.filters.values("site_id")) == {world.site_id, world.site2_id}
                    and view.data is not None
                    and view.fetches >= 2
                ),
            )
            await until(pilot, lambda: sum(r["chats"] for r in view.data["rows"]) == sum(per_site))
            assert "Sites: Shop, Blog" in banner_text(app, mon.banner)
            await pilot.press("U")  # Monitoring has no status: nothing opens
            await pilot.pause(0.2)
            assert not isinstance(app.screen, MultiPicker)
    finally:
        world.server.stop()


def _toasts(app: ChatsupApp) -> str:
    """The notifications drawn on screen, their lines joined."""
    from textual.widgets._toast import Toast

    strips = app.screen._compositor.render_strips()
    out = []
    for toast in app.query(Toast):
        r = toast.region
        out.append(" ".join(strips[y].text[r.x : r.right].strip() for y in range(r.y, r.bottom)))
    return "\n".join(out)


async def test_an_advisors_row_with_several_picked_says_it_shows_that_one(
    tmp_path: Path,
) -> None:
    """Monitoring picks Alice and Bob; `c` on Bob's row of Agent statistics
    opens Bob's chats: the banner there says Bob, the rows drawn are his,
    and the console says the report's other advisor is left out (before:
    nothing said so)."""
    world = _world(tmp_path)
    try:
        with world.sup() as c:
            bobs = all_pages(c, "/v1/conversations", agent_id=world.agent2_id)
        assert bobs
        app = ChatsupApp(world.url, world.sup_token)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await until(pilot, lambda: app.messages.table.row_count > 0)
            await pilot.press("6", "a")
            mon = app.tab("monitoring")
            view = mon.view("astats")
            await until(pilot, lambda: view.data is not None)
            await _pick(pilot, app, "A", ["Alice", "Bob"])
            await until(pilot, lambda: view.fetches >= 2 and view.table.row_count == 2)
            view.table.move_cursor(row=view.table.get_row_index(str(world.agent2_id)))
            await pilot.press("c")
            table = app.messages.table
            await until(
                pilot, lambda: app.messages.filters.values("agent_id") == (world.agent2_id,)
            )
            await until(pilot, lambda: table.row_count == len(bobs) and not table.fetching)
            await pilot.pause(0.3)
            assert {r[0] for r in _on_screen(app)} == {"Bob"}
            assert "Bob" in banner_text(app, app.messages.banner)
            assert "Alice" not in banner_text(app, app.messages.banner)
            said = _toasts(app)
            assert "Chats of Bob only" in said and "picks 2 advisors: Alice, Bob" in said, said
            # the report keeps both
            await pilot.press("6")
            await until(pilot, lambda: "Alice, Bob" in banner_text(app, mon.banner))
    finally:
        world.server.stop()


def test_compact_fits_the_width() -> None:
    names = ["Ana", "Bo", "Camille", "Dan"]
    assert compact("Advisors", "Any advisor", names, 40) == "Advisors: Ana, Bo, Camille, Dan"
    assert compact("Advisors", "Any advisor", names, 20) == "Advisors: Ana, Bo +2"
    assert compact("Advisors", "Any advisor", names, 12) == "Ana, Bo +2"
    assert compact("Advisors", "Any advisor", names, 6) == "Ana +3"
    assert compact("Advisors", "Any advisor", ["Bartholomew"], 6) == "Barth…"
    assert compact("Advisors", "Any advisor", [], 20) == "Any advisor"


async def test_keys_are_remappable_and_in_help_and_palette(tmp_path: Path) -> None:
    """[console.keys] moves `A` (filters.advisors); the advisors' presence
    is asked again when the picker opens; help and the command palette list
    the three pickers where they work (Contacts has none)."""
    from chatsup.kit.help import live_sections, palette_commands

    world = World(tmp_path)
    try:
        app = ChatsupApp(world.url, world.sup_token, keys={"filters.advisors": "ctrl+y"})
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.messages.loaded and not app.messages.table.fetching)
            helped = [what for _, keys in live_sections(app) for _, what in keys]
            assert {"Pick advisors", "Pick sites", "Pick statuses"} <= set(helped)
            offered = {c.title for c in palette_commands(app.messages)}
            assert {"Pick advisors", "Pick sites", "Pick statuses"} <= offered
            await pilot.press("A")
            await pilot.pause(0.2)
            assert not isinstance(app.screen, MultiPicker)  # moved away from A
            assert app.ctx.agents[0].presence == "offline"
            with world.http(world.agent_token) as ag:  # presence now, not at connection
                assert ag.post("/v1/agent/presence", json={"status": "away"}).status_code == 204
            await pilot.press("ctrl+y")
            await until(pilot, lambda: isinstance(app.screen, MultiPicker))
            assert [str(o.prompt) for o in app.screen.selection.options] == [
                "Alice  away",
                "Bob  offline",
            ]
            await pilot.press("escape")
            await pilot.press("5")
            contacts = await app.build("contacts")
            await until(pilot, lambda: contacts.loaded)
            offered = {c.title for c in palette_commands(contacts)}
            assert not offered & {"Pick advisors", "Pick sites", "Pick statuses"}
    finally:
        world.server.stop()
