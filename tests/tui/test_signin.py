"""The sign-in screen: no token configured → the console asks for one, in a
password field, checks it with the server and only then connects."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from chatsup.tui.app import ChatsupApp
from chatsup.tui.signin import SignInScreen
from tests.harness import World
from tests.tui.pilot import until


def drawn(app: Any) -> str:
    """The whole frame as it reaches the terminal."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_sign_in_then_messages(busy_world: World) -> None:
    token = busy_world.sup_token
    app = ChatsupApp(busy_world.url, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        field = app.screen.query_one(Input)
        assert field.password
        await until(pilot, lambda: "Sign in to chatsup" in drawn(app))
        await pilot.press(*"sup_wrong-token-of-some-length", "enter")
        await until(pilot, lambda: "refused this token" in drawn(app))
        assert isinstance(app.screen, SignInScreen)
        assert app.messages.table.row_count == 0  # nothing fetched without a token
        field.value = ""
        await pilot.press(*token)
        await until(pilot, lambda: "•" * 20 in drawn(app))
        assert token not in drawn(app) and token[:12] not in drawn(app)
        await pilot.press("enter")
        await until(pilot, lambda: app.messages.table.row_count == 3)
        await until(pilot, lambda: "Mathieu" in drawn(app) and "3 shown" in drawn(app))
        assert app.token == token and token not in drawn(app)


async def test_empty_token_is_asked_again(busy_world: World) -> None:
    app = ChatsupApp(busy_world.url, "")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, SignInScreen))
        await pilot.press("enter")
        await until(pilot, lambda: "Type or paste a supervisor token" in drawn(app))


def test_sign_in_at_80x24(snap_compare: Any) -> None:
    """No server needed: the screen as it first shows (a fixed address)."""

    async def typed(pilot: Any) -> None:
        await until(pilot, lambda: isinstance(pilot.app.screen, SignInScreen))
        pilot.app.screen.query_one(Input).cursor_blink = False
        await pilot.press(*"sup_secret")
        await pilot.pause()

    app = ChatsupApp("http://chatsup.example:8765", None)
    assert snap_compare(app, terminal_size=(80, 24), run_before=typed)
