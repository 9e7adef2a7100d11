"""Promise 5, hostile text end to end: every payload of `tests.hostile_corpus`
goes in through the real APIs (session fields, visitor message, advisor
reply, offline form, profile) and is checked where it lands: the CSV/JSONL
exports, the transcript mail caught by a real SMTP server, the supervisor
console's terminal output and the widget in Chromium.

One server (module scope) holds the whole corpus; each sink is read once and
the per-payload tests only look at what was recorded, so the ids read like
`test_mail_headers[mail_encoded_word_q]` and the suite stays quick.
"""

from __future__ import annotations

import asyncio
import csv
import email
import html
import io
import json
import re
import shutil
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default
from typing import Any

import httpx
import pytest
import textual.drivers.headless_driver as hd
from aiosmtpd.controller import Controller
from rich.cells import cell_len

from chatsup.domain.text import visible
from chatsup.tui.app import ChatsupApp
from tests.harness import World, free_port
from tests.hostile_corpus import CORPUS, HTML, MARKUP
from tests.test_mail import Collect
from tests.tui.pilot import RecordingDriver, until

IDS = [name for name, _ in CORPUS]
TEXT = dict(CORPUS)
SENDER = "chatsup@example.com"
BOSS = "boss@example.com"
NO_LIMITS = {"rate_per_visitor": 100_000, "rate_per_ip": 100_000, "sessions_per_ip": 100_000}


# The documented spreadsheet rule (chatsup.domain.text.spreadsheet_safe),
# written out again here so that breaking the product cannot bend the test.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def as_csv_cell(value: object) -> str:
    if value is None:
        return ""
    s = str(value)
    return "'" + s if s.startswith(FORMULA_START) else s


# -- the corpus, sent once -------------------------------------------------------------------


@dataclass
class Sent:
    name: str
    text: str
    visitor_id: int
    conversation_id: int
    offline_id: int
    profile_status: int  # of PUT {name, notes}: 200, or 422 for a name with CR/LF
    profile: dict[str, Any]  # the profile as the server stored it


@dataclass
class Mailed:
    conversation_id: int
    status: int
    answer: str
    envelopes: list[tuple[str, list[str], bytes]]  # what the SMTP server received


@dataclass
class Hostile:
    world: World
    smtp: Collect
    sent: dict[str, Sent]


def send_payload(c: httpx.Client, world: World, name: str, text: str) -> Sent:
    """One payload into every field a visitor (or a supervisor copying what a
    visitor said) can fill."""
    r = c.post(
        "/v1/widget/sessions",
        json={"site_key": world.site_key, "user_agent": text, "referrer": text, "url": text},
    )
    assert r.status_code == 201, (name, r.text)
    session = r.json()
    vid = session["visitor_id"]
    visitor = {"Authorization": f"Bearer {session['token']}"}
    agent = {"Authorization": f"Bearer {world.agent_token}"}
    sup = {"Authorization": f"Bearer {world.sup_token}"}
    r = c.post("/v1/widget/messages", json={"body": text}, headers=visitor)
    assert r.status_code == 201, (name, r.text)
    cid = r.json()["conversation_id"]
    r = c.post(f"/v1/agent/conversations/{cid}/messages", json={"body": text}, headers=agent)
    assert r.status_code == 201, (name, r.text)
    # an offline message's email and phone pass a profile's rules: refused...
    for field, value in (("email", text), ("phone", text[:40])):
        r = c.post(
            "/v1/widget/offline-messages",
            headers=visitor,
            json={"name": text, field: value, "body": text},
        )
        assert r.status_code == 422 and r.json()["error"]["field"] == field, (name, r.text)
    # ...so the payload goes in as the name and the message
    r = c.post("/v1/widget/offline-messages", headers=visitor, json={"name": text, "body": text})
    assert r.status_code == 201, (name, r.text)
    oid = r.json()["id"]
    p = c.put(f"/v1/visitors/{vid}/profile", json={"name": text, "notes": text}, headers=sup)
    status = p.status_code
    if status != 200:  # the name was refused: keep the notes
        r = c.put(f"/v1/visitors/{vid}/profile", json={"notes": text}, headers=sup)
        assert r.status_code == 200, (name, r.text)
        profile = r.json()
    else:
        profile = p.json()
    return Sent(name, text, vid, cid, oid, status, profile)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    handler = Collect()
    port = free_port()
    ctl = Controller(handler, hostname="127.0.0.1", port=port)
    ctl.start()
    world = World(
        tmp_path_factory.mktemp("hostile"),
        server=NO_LIMITS,
        smtp={"host": "127.0.0.1", "port": port, "tls": "none", "sender": SENDER},
    )
    try:
        with world.http() as c:
            sent = {name: send_payload(c, world, name, text) for name, text in CORPUS}
        yield Hostile(world, handler, sent)
    finally:
        world.server.stop()
        ctl.stop()


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("text", [t for _, t in CORPUS], ids=IDS)
def test_profile_name_refused_only_for_line_breaks(hostile: Hostile, text: str) -> None:
    """A profile name is one line (CR/LF refused, 422); anything else is
    stored as typed, stripped of surrounding blanks."""
    s = next(s for s in hostile.sent.values() if s.text == text)
    stripped = text.strip()
    if "\r" in stripped or "\n" in stripped:
        assert s.profile_status == 422
        assert s.profile["name"] is None
    else:
        assert s.profile_status == 200
        assert s.profile["name"] == stripped
    assert s.profile["notes"] == stripped


@pytest.mark.parametrize("text", [t for _, t in CORPUS], ids=IDS)
def test_profile_email_refuses_hostile_text(hostile: Hostile, text: str) -> None:
    s = next(s for s in hostile.sent.values() if s.text == text)
    with hostile.world.sup() as c:
        r = c.put(f"/v1/visitors/{s.visitor_id}/profile", json={"email": text})
    assert r.status_code == 422 and r.json()["error"]["field"] == "email", r.text


# -- exports -------------------------------------------------------------------------------

KINDS = ("conversations", "offline-messages", "visitors", "contacts")


@dataclass
class Export:
    header: list[str]
    csv_rows: list[list[str]]
    jsonl: list[dict[str, Any]]

    def csv_dicts(self) -> list[dict[str, str]]:
        return [dict(zip(self.header, row, strict=True)) for row in self.csv_rows]


@pytest.fixture(scope="module")
def exports(hostile: Hostile) -> dict[str, Export]:
    out: dict[str, Export] = {}
    with hostile.world.sup() as c:
        for kind in KINDS:
            r = c.get(f"/v1/export/{kind}", params={"format": "csv"})
            assert r.status_code == 200, r.text
            rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))
            r = c.get(f"/v1/export/{kind}", params={"format": "jsonl"})
            assert r.status_code == 200, r.text
            lines = [json.loads(x) for x in r.content.split(b"\n") if x]
            out[kind] = Export(rows[0], rows[1:], lines)
    return out


def rows_of(kind: str, s: Sent, items: list[Any], key: Any) -> list[Any]:
    """The export rows that carry payload `s`."""
    if kind == "conversations":
        want, col = s.conversation_id, "conversation_id"
    elif kind == "offline-messages":
        want, col = s.offline_id, "id"
    else:
        want, col = s.visitor_id, "id"
    found = [i for i in items if str(key(i, col)) == str(want)]
    assert found, (kind, s.name)
    return found


def expected_fields(kind: str, s: Sent) -> dict[str, Any]:
    """What each text field of the payload's rows must hold, as stored."""
    p = s.profile
    if kind == "conversations":
        return {"body": s.text, "visitor_name": p["name"]}
    if kind == "offline-messages":
        return {"name": s.text, "email": None, "phone": None, "body": s.text}
    if kind == "visitors":
        return {"name": p["name"]}
    return {"name": p["name"], "email": p["email"], "phone": p["phone"], "notes": p["notes"]}


@pytest.mark.parametrize("kind", KINDS)
def test_csv_parses_back_and_has_no_formula_cell(exports: dict[str, Export], kind: str) -> None:
    e = exports[kind]
    assert len(e.csv_rows) == len(e.jsonl) >= len(CORPUS)
    assert list(e.jsonl[0]) == e.header
    for row in e.csv_rows:
        assert len(row) == len(e.header), row
        for cell in row:
            assert not cell.startswith(FORMULA_START), (kind, cell)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", IDS)
def test_csv_cells(hostile: Hostile, exports: dict[str, Export], kind: str, name: str) -> None:
    """Every cell of the payload's rows is text to a spreadsheet (the
    documented apostrophe when it starts like a formula) and otherwise the
    stored text unchanged."""
    s = hostile.sent[name]
    rows = rows_of(kind, s, exports[kind].csv_dicts(), lambda r, k: r[k])
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(FORMULA_START), (kind, row)
        for col, value in expected_fields(kind, s).items():
            assert row[col] == as_csv_cell(value), (kind, col)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", IDS)
def test_jsonl_keeps_the_exact_text(
    hostile: Hostile, exports: dict[str, Export], kind: str, name: str
) -> None:
    """JSONL is data, not a spreadsheet: the text comes back byte for byte."""
    s = hostile.sent[name]
    rows = rows_of(kind, s, exports[kind].jsonl, lambda r, k: r[k])
    if kind == "conversations":
        assert [(r["sender"], r["body"]) for r in rows] == [("visitor", s.text), ("agent", s.text)]
    for row in rows:
        for col, value in expected_fields(kind, s).items():
            assert row[col] == value, (kind, col)


# -- mail ----------------------------------------------------------------------------------

HEADERS = {"subject", "from", "to", "date", "message-id", "mime-version", "content-type"}
UNSAFE_IN_HEADER = {"Cc", "Cf", "Zl", "Zp"}  # controls, bidi/zero-width, line separators


@pytest.fixture(scope="module")
def mails(hostile: Hostile) -> dict[str, Mailed]:
    """Each payload's conversation mailed to the supervisor address."""
    out: dict[str, Mailed] = {}
    for name, s in hostile.sent.items():
        before = len(hostile.smtp.envelopes)
        with hostile.world.sup() as c:  # a fresh connection: a 500 closes it
            r = c.post(f"/v1/conversations/{s.conversation_id}/mail")
        out[name] = Mailed(
            s.conversation_id, r.status_code, r.text, hostile.smtp.envelopes[before:]
        )
    return out


def one_mail(mails: dict[str, Mailed], name: str) -> tuple[Mailed, str, list[str], bytes]:
    m = mails[name]
    assert m.status == 202, (m.status, m.answer)
    assert len(m.envelopes) == 1
    return (m, *m.envelopes[0])


@pytest.mark.parametrize("name", IDS)
def test_mail_headers(mails: dict[str, Mailed], name: str) -> None:
    """Exactly the headers the builder sets, each once, to the one recipient:
    no Bcc, no second To, whatever the visitor's name or message holds."""
    m, mail_from, rcpt, raw = one_mail(mails, name)
    assert mail_from == SENDER
    assert rcpt == [BOSS]
    msg = email.message_from_bytes(raw, policy=default)
    keys = [k.lower() for k in msg]
    assert sorted(keys) == sorted(HEADERS), keys
    assert msg.get_all("To") == [BOSS]
    (sender,) = msg["From"].addresses
    assert sender.addr_spec == SENDER and sender.display_name == ""
    subject = str(msg["Subject"])
    assert subject.startswith(f"Chat #{m.conversation_id} — Shop — V"), subject
    bad = [c for c in subject if unicodedata.category(c) in UNSAFE_IN_HEADER]
    assert bad == [], (subject, bad)


@pytest.mark.parametrize("name", IDS)
def test_mail_body_holds_the_text(mails: dict[str, Mailed], name: str) -> None:
    """The text part carries the message as typed (a mail body has no bare
    CR: the mail library makes it a line break); the HTML part escapes it."""
    text = TEXT[name]
    _, _, _, raw = one_mail(mails, name)
    msg = email.message_from_bytes(raw, policy=default)
    assert isinstance(msg, EmailMessage)
    plain = msg.get_body(("plain",))
    page = msg.get_body(("html",))
    assert plain is not None and page is not None

    def lines(s: str) -> str:
        return s.replace("\r\n", "\n").replace("\r", "\n")

    body, content, markup = lines(text), lines(plain.get_content()), lines(page.get_content())
    assert f"visitor: {body}\n" in content
    assert f"advisor Alice: {body}\n" in content
    if "<" in text:
        assert body not in markup
    assert html.escape(body) in markup


# -- console -------------------------------------------------------------------------------

# Everything Textual writes on its own through the recording driver (seen by
# recording a run): SGR colours, cursor positioning and its pointer-shape
# OSC 22. Anything else with ESC, BEL or a C1 byte came from somewhere else.
OWN = re.compile(r"\x1b\[[0-9;]*m|\x1b\[\d+;\d+H|\x1b\]22;[a-z-]+\x07")
ANY_CSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]")


@dataclass
class ConsoleRun:
    output: str
    plain: str  # the output without the app's own sequences
    views: dict[str, list[str]]  # what one widget showed on screen, line by line
    still_running: bool
    clicked: bool


def view_lines(app: ChatsupApp, selector: str) -> list[str]:
    """The text the terminal shows inside one widget's region."""
    region = app.screen.query_one(selector).region
    strips = app.screen._compositor.render_strips()
    return [
        strips[y].crop(region.x, region.right).text
        for y in range(max(region.y, 0), min(region.bottom, len(strips)))
    ]


async def click_text(pilot: Any, app: ChatsupApp, selector: str, needle: str, at: int) -> bool:
    """Click the cell `at` characters into the place `needle` shows in a widget."""
    region = app.screen.query_one(selector).region
    for y, line in enumerate(view_lines(app, selector), start=max(region.y, 0)):
        x = line.find(needle)
        if x >= 0:
            await pilot.click(offset=(region.x + cell_len(line[: x + at]), y))
            return True
    return False


def showing(app: ChatsupApp, selector: str, text: str) -> bool:
    try:
        return any(text in line for line in view_lines(app, selector))
    except Exception:  # the screen is not up yet
        return False


async def drive_console(world: Hostile) -> ConsoleRun:
    w = world.world
    n = len(CORPUS)
    # one more visitor whose single conversation holds the whole corpus, so a
    # single transcript draws every payload in full
    with w.http() as c:
        r = c.post(
            "/v1/widget/sessions",
            json={
                "site_key": w.site_key,
                "user_agent": TEXT["osc0_title"],
                "referrer": TEXT["markup_click_quit"],
                "url": TEXT["bidi_rlo"],
            },
        )
        s = r.json()
        headers = {"Authorization": f"Bearer {s['token']}"}
        for _, text in CORPUS:
            r = c.post("/v1/widget/messages", json={"body": text}, headers=headers)
            assert r.status_code == 201, r.text
        cid = r.json()["conversation_id"]
    with w.sup() as c:
        c.put(
            f"/v1/visitors/{s['visitor_id']}/profile",
            json={"name": TEXT["markup_link"], "notes": TEXT["markup_bold_red"]},
        )

    app = ChatsupApp(w.url, w.sup_token)
    views: dict[str, list[str]] = {}
    async with app.run_test(size=(140, 80)) as pilot:
        table = app.messages.table
        await until(pilot, lambda: table.row_count == n + 1)
        assert table.current is not None and table.current.id == cid
        # the transcript draws every payload in full; click where the
        # [@click=app.quit] markup would act if it were interpreted
        await pilot.press("v")
        last = visible(CORPUS[-1][1])
        await until(pilot, lambda: showing(app, "#tr-body", last))
        views["transcript"] = view_lines(app, "#tr-body")
        clicked = await click_text(pilot, app, "#tr-body", TEXT["markup_click_quit"], 17)
        if not clicked:  # the markup was read: click its "x" to see what it does
            await click_text(pilot, app, "#tr-body", "visitor: x", 9)
        await pilot.pause(0.2)
        if not app.is_running:
            out = "".join(RecordingDriver.output)
            return ConsoleRun(out, OWN.sub("", out), views, False, clicked)
        await pilot.press("escape", "enter")  # details: profile, session, page views
        await until(pilot, lambda: showing(app, "#d-session", "referrer"))
        views["details"] = view_lines(app, "#details")
        await pilot.press("escape", "2")  # offline messages, then one read in full
        await until(pilot, lambda: app.tab("offline").table.row_count == n)
        await pilot.press("enter")
        await pilot.pause(0.3)
        await pilot.press("escape", "4")  # visitors
        await until(pilot, lambda: app.tab("visitors").table.row_count >= n)
        await pilot.press("5")  # contacts: names, notes
        await until(pilot, lambda: app.tab("contacts").table.row_count >= n)
        await pilot.pause(0.2)
        await pilot.press("1", "t")  # the live tail, fed the corpus as it arrives
        await pilot.pause(0.2)
        with w.http() as c:
            await asyncio.to_thread(post_corpus, c, w)
        await until(pilot, lambda: showing(app, "#tail-log", last))
        await pilot.pause(0.2)
        views["tail"] = view_lines(app, "#tail-log")
        await pilot.press("escape")
        await pilot.pause(0.2)
        running = app.is_running
    out = "".join(RecordingDriver.output)
    return ConsoleRun(out, OWN.sub("", out), views, running, clicked)


def post_corpus(c: httpx.Client, w: World) -> None:
    r = c.post("/v1/widget/sessions", json={"site_key": w.site_key})
    headers = {"Authorization": f"Bearer {r.json()['token']}"}
    for _, text in CORPUS:
        assert (
            c.post("/v1/widget/messages", json={"body": text}, headers=headers).status_code == 201
        )


@pytest.fixture(scope="module")
def console(hostile: Hostile) -> ConsoleRun:
    with pytest.MonkeyPatch.context() as mp:
        RecordingDriver.output = []
        mp.setattr(hd, "HeadlessDriver", RecordingDriver)
        return asyncio.run(drive_console(hostile))


def test_console_survives_the_corpus(console: ConsoleRun) -> None:
    assert console.output, "the recording driver saw no output"
    assert console.still_running, "the console quit"
    assert console.clicked, "the [@click=app.quit] text was not on screen to click"


def test_console_writes_no_foreign_control(console: ConsoleRun) -> None:
    """No ESC, BEL or C1 byte but the app's own sequences."""
    foreign = sorted({m.group() for m in re.finditer(r"[\x07\x1b\x80-\x9f].{0,12}", console.plain)})
    assert foreign == []


def words(text: str) -> list[str]:
    return visible(text).split()


@pytest.mark.parametrize("text", [t for _, t in CORPUS], ids=IDS)
def test_console_shows_the_text_inert(console: ConsoleRun, text: str) -> None:
    """The payload is on screen as text, its controls as visible pictures,
    none of its control or format characters raw, none of its escape
    sequences intact."""
    for word in words(text):
        assert not any(unicodedata.category(c) == "Cc" for c in word), word
        assert word in console.plain, word
    raw = {c for c in text if unicodedata.category(c) in ("Cc", "Cf") and c not in "\t\n"}
    raw -= {"\x1b"}  # the app's own sequences use ESC: checked as sequences below
    assert not raw & set(console.plain), raw & set(console.plain)
    sequences = ANY_CSI.findall(text) + re.findall(r"\x1b[]P_^X].{0,8}|\x1b[^[\]P_^X]", text)
    for seq in sequences:
        if not OWN.fullmatch(seq):  # one the app writes itself cannot be told apart
            assert seq not in console.output, seq


@pytest.mark.parametrize("text", [t for _, t in MARKUP], ids=[n for n, _ in MARKUP])
def test_console_does_not_interpret_markup(console: ConsoleRun, text: str) -> None:
    """The brackets are on screen, as typed, in the transcript and the tail."""
    for view in ("transcript", "tail"):
        assert any(text in line for line in console.views.get(view, [])), view


def test_console_details_show_markup_as_text(console: ConsoleRun) -> None:
    """The profile name, notes and referrer of a visitor, as typed."""
    shown = "\n".join(console.views.get("details", []))
    for name in ("markup_link", "markup_bold_red", "markup_click_quit"):
        assert TEXT[name] in shown, name


# -- widget in Chromium ----------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class WidgetRun:
    agent_lines: list[str]
    agent_children: list[int]
    visitor_lines: list[str]
    pwned: Any
    dialogs: list[str]
    foreign_elements: list[str]


def typed_conversation(w: World, messages: int) -> int:
    """The conversation the widget's visitor started, once it holds `messages`."""
    with w.sup() as c:
        for _ in range(200):
            items = c.get("/v1/conversations").json()["items"]
            if items and items[0]["message_count"] >= messages:
                return int(items[0]["id"])
            time.sleep(0.05)
    raise AssertionError("the visitor's messages did not arrive")


def drive_widget(w: World) -> WidgetRun:
    from playwright.sync_api import sync_playwright

    with w.http(w.agent_token) as a:
        assert a.post("/v1/agent/presence", json={"status": "online"}).status_code == 204
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            # a customer's page may send no Content-Security-Policy: the demo
            # page's CSP must not be what keeps the script from running
            page = browser.new_page(bypass_csp=True)
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(f"{w.url}/demo/{w.site_key}")
            page.wait_for_selector(".cs-box textarea")
            # the visitor types each HTML payload (the widget echoes it)...
            for _, text in HTML:
                page.fill(".cs-box textarea", text)
                page.press(".cs-box textarea", "Enter")
            cid = typed_conversation(w, len(HTML))
            # ...and the advisor answers with the whole corpus
            with w.http(w.agent_token) as a:
                for _, text in CORPUS:
                    r = a.post(f"/v1/agent/conversations/{cid}/messages", json={"body": text})
                    assert r.status_code == 201, r.text
            page.locator(".cs-agent").nth(len(CORPUS) - 1).wait_for(timeout=10_000)
            page.wait_for_timeout(300)  # time for any onerror/onload to fire
            agents = page.query_selector_all(".cs-agent")
            return WidgetRun(
                agent_lines=[e.evaluate("e => e.textContent") for e in agents],
                agent_children=[e.evaluate("e => e.childElementCount") for e in agents],
                visitor_lines=[
                    e.evaluate("e => e.textContent") for e in page.query_selector_all(".cs-visitor")
                ],
                pwned=page.evaluate("() => window.__pwned"),
                dialogs=dialogs,
                foreign_elements=page.evaluate(
                    # the file button's own (hidden) chooser is the widget's
                    "() => [...document.querySelectorAll('.cs-box *:not(input.cs-file)')]"
                    ".map(e => e.tagName.toLowerCase())"
                    ".filter(t => !['div', 'form', 'textarea', 'button'].includes(t))"
                ),
            )
        finally:
            browser.close()


@pytest.fixture(scope="module")
def widget(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WidgetRun]:
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed")
    pytest.importorskip("playwright.sync_api")
    w = World(tmp_path_factory.mktemp("widget"), server=NO_LIMITS)
    try:
        yield drive_widget(w)
    finally:
        w.server.stop()


def test_widget_runs_no_script(widget: WidgetRun) -> None:
    assert widget.pwned is None
    assert widget.dialogs == []
    assert widget.foreign_elements == []
    assert widget.visitor_lines == [t for _, t in HTML]


@pytest.mark.parametrize("index", range(len(CORPUS)), ids=IDS)
def test_widget_shows_the_reply_as_text(widget: WidgetRun, index: int) -> None:
    assert widget.agent_lines[index] == CORPUS[index][1]
    assert widget.agent_children[index] == 0
