"""Mailing a transcript: built with `email.message` (never by pasting strings
into headers), sent with aiosmtplib when SMTP is configured, otherwise
written as an .eml file into the outbox folder."""

from __future__ import annotations

import html
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path

import aiosmtplib

from chatsup.config import SmtpSettings
from chatsup.domain.models import MailResult, Message
from chatsup.domain.text import visible

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_LINE_SEPARATORS = re.compile("[\u2028\u2029]")


class MailError(Exception):
    """The mail could not be delivered; the message says why."""


@dataclass
class Transcript:
    conversation_id: int
    site: str
    visitor: str
    advisor: str | None
    started_at: datetime
    ended_at: datetime | None
    messages: list[Message]


def one_line(text: str, limit: int = 120) -> str:
    """Untrusted text fit for a header: controls and bidi/zero-width characters
    made visible by the one sanitiser, U+2028/U+2029 (line breaks to the email
    package: a 500) gone, and `=?` split, or the email package would decode it
    as an RFC 2047 encoded word and write its CR/LF out as a new header."""
    out = _LINE_SEPARATORS.sub(" ", visible(text, single_line=True)).replace("=?", "= ?")
    return out.strip()[:limit]


def validate_address(addr: str, *, dotted: bool = True) -> str:
    """One addr-spec with a domain; CR/LF or anything else is refused.
    `dotted=False` admits a local domain (the configured sender, `x@localhost`)."""
    addr = addr.strip()
    if not addr or _CONTROL.search(addr):
        raise ValueError("must be one email address, without control characters")
    if any(c in addr for c in ',;<>"() '):
        raise ValueError("must be a single plain address like name@example.com")
    try:
        parsed = Address(addr_spec=addr)
    except (ValueError, IndexError) as e:
        raise ValueError(f"not an email address: {e}") from e
    if not parsed.domain or not parsed.username or (dotted and "." not in parsed.domain):
        raise ValueError("must be an address with a domain, like name@example.com")
    return parsed.addr_spec


def _who(m: Message) -> str:
    if m.sender == "agent":
        return f"advisor {m.agent.name}" if m.agent else "advisor"
    return m.sender


def _text(t: Transcript) -> str:
    lines = [
        f"Chat #{t.conversation_id}",
        f"Site: {t.site}",
        f"Visitor: {t.visitor}",
        f"Advisor: {t.advisor or '(none)'}",
        f"Started: {t.started_at:%Y-%m-%d %H:%M:%S %Z}",
    ]
    if t.ended_at:
        lines.append(f"Ended: {t.ended_at:%Y-%m-%d %H:%M:%S %Z}")
    lines.append("")
    for m in t.messages:
        lines.append(f"[{m.at:%H:%M:%S}] {_who(m)}: {m.body}")
        if m.media:
            lines.append(
                f"    attachment: {m.media.name} ({m.media.type}, {m.media.size} bytes)"
                f" {m.media.url}"
            )
    return "\n".join(lines) + "\n"


def _html(t: Transcript) -> str:
    e = html.escape
    rows = []
    for m in t.messages:
        media = ""
        if m.media:
            media = (
                f'<div class="media">attachment: {e(m.media.name)} ({e(m.media.type)},'
                f" {m.media.size} bytes) {e(m.media.url)}</div>"
            )
        rows.append(
            f'<tr class="{e(m.sender)}"><td>{m.at:%H:%M:%S}</td><td>{e(_who(m))}</td>'
            f'<td style="white-space:pre-wrap">{e(m.body)}{media}</td></tr>'
        )
    ended = f"<br>Ended: {t.ended_at:%Y-%m-%d %H:%M:%S %Z}" if t.ended_at else ""
    return (
        '<!doctype html><html><body style="font-family:sans-serif">'
        f"<h2>Chat #{t.conversation_id}</h2>"
        f"<p>Site: {e(t.site)}<br>Visitor: {e(t.visitor)}<br>"
        f"Advisor: {e(t.advisor or '(none)')}<br>"
        f"Started: {t.started_at:%Y-%m-%d %H:%M:%S %Z}{ended}</p>"
        '<table cellpadding="4" style="border-collapse:collapse">'
        + "".join(rows)
        + "</table></body></html>"
    )


def build_transcript_email(t: Transcript, *, sender: str, to: str) -> EmailMessage:
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = one_line(f"Chat #{t.conversation_id} — {t.site} — {t.visitor}")
    sender = validate_address(sender, dotted=False)
    msg["From"] = sender
    msg["To"] = validate_address(to)
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=sender.split("@", 1)[1])
    msg.set_content(_text(t))
    msg.add_alternative(_html(t), subtype="html")
    return msg


def _save(msg: EmailMessage, outbox: Path) -> Path:
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = outbox / f"{stamp}-chat.eml"
    fd, tmp = tempfile.mkstemp(dir=outbox, suffix=".part")
    with os.fdopen(fd, "wb") as f:
        f.write(msg.as_bytes())
    os.replace(tmp, path)
    return path


async def deliver(msg: EmailMessage, smtp: SmtpSettings) -> MailResult:
    to = str(msg["To"])
    if not smtp.host:
        path = _save(msg, Path(smtp.outbox))
        return MailResult(
            status="saved",
            to=to,
            path=str(path),
            eml_path=str(path),
            message_id=msg["Message-ID"],
        )
    try:
        await aiosmtplib.send(
            msg,
            hostname=smtp.host,
            port=smtp.port,
            username=smtp.user,
            password=smtp.password,
            use_tls=smtp.tls == "tls",
            start_tls=smtp.tls == "starttls",
            timeout=20,
        )
    except (aiosmtplib.SMTPException, OSError) as e:
        raise MailError(f"the mail server at {smtp.host}:{smtp.port} refused or failed: {e}") from e
    return MailResult(status="sent", to=to, message_id=msg["Message-ID"])
