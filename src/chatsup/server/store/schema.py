"""Numbered migrations. Each runs once, in order, in its own transaction;
`PRAGMA user_version` records the last one applied. Never edit a released
migration: add the next number.

Times are REAL seconds since the epoch (UTC); rendering in the company time
zone happens on the way out. Every filter of API.md has an index.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: the whole data model of ARCHITECTURE.md
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

    CREATE TABLE sites (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        domain TEXT NOT NULL,
        key TEXT NOT NULL UNIQUE,
        offline_enabled INTEGER NOT NULL DEFAULT 1,
        opening_hours TEXT,
        created_at REAL NOT NULL
    );

    CREATE TABLE agents (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        email TEXT NOT NULL UNIQUE,
        presence TEXT NOT NULL DEFAULT 'offline',
        presence_at REAL,
        created_at REAL NOT NULL
    );

    -- An agent with no rows here serves every site.
    CREATE TABLE agent_sites (
        agent_id INTEGER NOT NULL REFERENCES agents(id),
        site_id INTEGER NOT NULL REFERENCES sites(id),
        PRIMARY KEY (agent_id, site_id)
    ) WITHOUT ROWID;

    -- Only SHA-256 digests of tokens are stored.
    CREATE TABLE tokens (
        digest BLOB PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('supervisor', 'agent', 'visitor')),
        name TEXT,
        subject_id INTEGER,
        created_at REAL NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE visitors (
        id INTEGER PRIMARY KEY,
        number INTEGER NOT NULL UNIQUE,
        first_seen_at REAL NOT NULL,
        last_seen_at REAL NOT NULL,
        site_id INTEGER REFERENCES sites(id),
        presented_agent_id INTEGER REFERENCES agents(id),
        ip TEXT,
        country TEXT,
        country_code TEXT,
        city TEXT,
        os TEXT,
        browser TEXT,
        webrtc INTEGER,
        page_views INTEGER NOT NULL DEFAULT 0,
        has_profile INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX visitors_first_seen ON visitors(first_seen_at, id);
    CREATE INDEX visitors_last_seen ON visitors(last_seen_at, id);
    CREATE INDEX visitors_site ON visitors(site_id, last_seen_at);
    CREATE INDEX visitors_presented ON visitors(presented_agent_id, last_seen_at);
    CREATE INDEX visitors_profile ON visitors(has_profile, last_seen_at) WHERE has_profile = 1;

    CREATE TABLE profiles (
        visitor_id INTEGER PRIMARY KEY REFERENCES visitors(id),
        name TEXT,
        email TEXT,
        phone TEXT,
        notes TEXT,
        updated_at REAL NOT NULL
    );
    CREATE INDEX profiles_updated ON profiles(updated_at, visitor_id);
    CREATE VIRTUAL TABLE profiles_fts USING fts5(
        name, email, phone, notes, content='profiles', content_rowid='visitor_id',
        tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER profiles_ai AFTER INSERT ON profiles BEGIN
        INSERT INTO profiles_fts(rowid, name, email, phone, notes)
        VALUES (new.visitor_id, new.name, new.email, new.phone, new.notes);
    END;
    CREATE TRIGGER profiles_ad AFTER DELETE ON profiles BEGIN
        INSERT INTO profiles_fts(profiles_fts, rowid, name, email, phone, notes)
        VALUES ('delete', old.visitor_id, old.name, old.email, old.phone, old.notes);
    END;
    CREATE TRIGGER profiles_au AFTER UPDATE ON profiles BEGIN
        INSERT INTO profiles_fts(profiles_fts, rowid, name, email, phone, notes)
        VALUES ('delete', old.visitor_id, old.name, old.email, old.phone, old.notes);
        INSERT INTO profiles_fts(rowid, name, email, phone, notes)
        VALUES (new.visitor_id, new.name, new.email, new.phone, new.notes);
    END;

    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        visitor_id INTEGER NOT NULL REFERENCES visitors(id),
        site_id INTEGER NOT NULL REFERENCES sites(id),
        started_at REAL NOT NULL,
        last_seen_at REAL NOT NULL,
        ended_at REAL,
        ip TEXT,
        user_agent TEXT,
        os TEXT,
        browser TEXT,
        webrtc INTEGER,
        referrer TEXT,
        country TEXT,
        country_code TEXT,
        city TEXT,
        presented_agent_id INTEGER REFERENCES agents(id)
    );
    CREATE INDEX sessions_visitor ON sessions(visitor_id, started_at);
    CREATE INDEX sessions_started ON sessions(started_at);

    CREATE TABLE page_views (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id),
        visitor_id INTEGER NOT NULL REFERENCES visitors(id),
        site_id INTEGER NOT NULL REFERENCES sites(id),
        url TEXT NOT NULL,
        title TEXT,
        at REAL NOT NULL
    );
    CREATE INDEX page_views_visitor ON page_views(visitor_id, at);
    CREATE INDEX page_views_at ON page_views(at);

    CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        visitor_id INTEGER NOT NULL REFERENCES visitors(id),
        site_id INTEGER NOT NULL REFERENCES sites(id),
        session_id INTEGER REFERENCES sessions(id),
        agent_id INTEGER REFERENCES agents(id),
        started_at REAL NOT NULL,
        ended_at REAL,
        first_visitor_at REAL,
        first_response_s REAL,
        message_count INTEGER NOT NULL DEFAULT 0,
        visitor_messages INTEGER NOT NULL DEFAULT 0,
        agent_messages INTEGER NOT NULL DEFAULT 0,
        -- start of the visitor turn that still waits for an agent answer
        pending_since REAL,
        last_message_id INTEGER
    );
    CREATE INDEX conversations_started ON conversations(started_at, id);
    CREATE INDEX conversations_agent ON conversations(agent_id, started_at, id);
    CREATE INDEX conversations_site ON conversations(site_id, started_at, id);
    CREATE INDEX conversations_visitor ON conversations(visitor_id, started_at, id);
    CREATE INDEX conversations_open ON conversations(visitor_id) WHERE ended_at IS NULL;

    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id),
        sender TEXT NOT NULL CHECK (sender IN ('visitor', 'agent', 'system')),
        agent_id INTEGER REFERENCES agents(id),
        body TEXT NOT NULL,
        at REAL NOT NULL,
        media_name TEXT,
        media_type TEXT,
        media_size INTEGER,
        media_url TEXT,
        -- for an agent message that answers a visitor turn: seconds waited
        response_s REAL,
        -- for a send with a client-supplied id: its key and its event, so a
        -- retry answers the original
        client_key TEXT UNIQUE,
        event_id INTEGER
    );
    CREATE INDEX messages_conversation ON messages(conversation_id, id);
    CREATE INDEX messages_at ON messages(at);
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        body, content='messages', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);
    END;

    CREATE TABLE offline_messages (
        id INTEGER PRIMARY KEY,
        site_id INTEGER NOT NULL REFERENCES sites(id),
        visitor_id INTEGER REFERENCES visitors(id),
        name TEXT,
        email TEXT,
        phone TEXT,
        body TEXT NOT NULL,
        at REAL NOT NULL,
        handled_by INTEGER REFERENCES agents(id),
        status TEXT NOT NULL DEFAULT 'new'
    );
    CREATE INDEX offline_at ON offline_messages(at, id);
    CREATE INDEX offline_site ON offline_messages(site_id, at, id);
    CREATE INDEX offline_handled ON offline_messages(handled_by, at, id);
    CREATE INDEX offline_visitor ON offline_messages(visitor_id, at, id);
    CREATE VIRTUAL TABLE offline_fts USING fts5(
        body, name, email, content='offline_messages', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER offline_ai AFTER INSERT ON offline_messages BEGIN
        INSERT INTO offline_fts(rowid, body, name, email)
        VALUES (new.id, new.body, new.name, new.email);
    END;

    CREATE TABLE calls (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER REFERENCES conversations(id),
        visitor_id INTEGER NOT NULL REFERENCES visitors(id),
        agent_id INTEGER REFERENCES agents(id),
        started_at REAL NOT NULL,
        answered_at REAL,
        ended_at REAL,
        state TEXT NOT NULL,
        end_reason TEXT
    );
    CREATE INDEX calls_started ON calls(started_at, id);
    CREATE INDEX calls_agent ON calls(agent_id, started_at, id);
    CREATE INDEX calls_visitor ON calls(visitor_id, started_at, id);

    CREATE TABLE sms (
        id INTEGER PRIMARY KEY,
        visitor_id INTEGER NOT NULL REFERENCES visitors(id),
        agent_id INTEGER REFERENCES agents(id),
        phone TEXT NOT NULL,
        body TEXT NOT NULL,
        at REAL NOT NULL
    );
    CREATE INDEX sms_at ON sms(at);

    CREATE TABLE callbacks (
        id INTEGER PRIMARY KEY,
        visitor_id INTEGER NOT NULL REFERENCES visitors(id),
        agent_id INTEGER REFERENCES agents(id),
        phone TEXT NOT NULL,
        requested_at REAL NOT NULL,
        scheduled_for REAL,
        status TEXT NOT NULL DEFAULT 'pending'
    );
    CREATE INDEX callbacks_requested ON callbacks(requested_at);

    CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        type TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX events_at ON events(at);
    """,
    # 2: covering indexes for the reports (each metric an index-only range scan)
    """
    CREATE INDEX sessions_started_cover
        ON sessions(started_at, visitor_id, site_id, presented_agent_id);
    CREATE INDEX messages_response ON messages(at, response_s, agent_id, conversation_id)
        WHERE response_s IS NOT NULL;
    CREATE INDEX conversations_started_cover ON conversations(started_at, agent_id, site_id,
        session_id, visitor_messages, agent_messages, first_response_s);
    """,
    # 3: a wait belongs to when it began (README, Metrics): each answer keeps
    # the start of the visitor turn it answered, and the conversation's first
    # answer is marked; and the report cache's write-side marks ("touches":
    # a write that changed a report source, and the earliest time it changed)
    """
    ALTER TABLE messages ADD COLUMN waited_from REAL;
    ALTER TABLE messages ADD COLUMN first_answer INTEGER;
    UPDATE messages SET waited_from = at - response_s WHERE response_s IS NOT NULL;
    UPDATE messages SET first_answer = 1 WHERE id IN
        (SELECT min(id) FROM messages WHERE response_s IS NOT NULL GROUP BY conversation_id);
    CREATE INDEX messages_waits ON messages(waited_from, response_s, agent_id,
        conversation_id, first_answer) WHERE waited_from IS NOT NULL;
    DROP INDEX messages_response;
    CREATE TRIGGER messages_wait AFTER INSERT ON messages WHEN new.response_s IS NOT NULL BEGIN
        UPDATE messages SET waited_from = new.at - new.response_s,
            first_answer = NOT EXISTS (SELECT 1 FROM messages m
                WHERE m.conversation_id = new.conversation_id
                AND m.response_s IS NOT NULL AND m.id < new.id)
        WHERE id = new.id;
    END;

    CREATE TABLE report_touches (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        at REAL NOT NULL
    );
    CREATE INDEX report_touches_source ON report_touches(source, id, at);
    """,
    # 4: presence history (each change of an agent's presence, from `at` on),
    # media shared by visitors (the bytes in the store, so every server
    # process serves them), and a conversation's end reason
    """
    CREATE TABLE presence_changes (
        id INTEGER PRIMARY KEY,
        agent_id INTEGER NOT NULL REFERENCES agents(id),
        at REAL NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('online', 'away', 'offline'))
    );
    CREATE INDEX presence_changes_agent ON presence_changes(agent_id, at, id);

    CREATE TABLE media (
        id INTEGER PRIMARY KEY,
        visitor_id INTEGER NOT NULL REFERENCES visitors(id),
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        size INTEGER NOT NULL,
        data BLOB NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE INDEX media_visitor ON media(visitor_id, id);
    ALTER TABLE messages ADD COLUMN media_id INTEGER REFERENCES media(id);
    CREATE INDEX messages_media ON messages(media_id) WHERE media_id IS NOT NULL;

    ALTER TABLE conversations ADD COLUMN end_reason TEXT;
    """,
    # 5: a
    # supervisor in a live chat (API.md v1). Messages may come from a
    # supervisor, and a supervisor's note is `internal` (the visitor never
    # sees it). SQLite cannot change a CHECK in place: the `sender` column is
    # replaced (renamed, a new one added and filled, the old one dropped;
    # SQLite >= 3.35), which keeps every other column whatever migrations
    # before this one added. No index or trigger names `sender`.
    """
    ALTER TABLE messages RENAME COLUMN sender TO sender_before_supervisors;
    ALTER TABLE messages ADD COLUMN sender TEXT NOT NULL DEFAULT 'system'
        CHECK (sender IN ('visitor', 'agent', 'system', 'supervisor'));
    UPDATE messages SET sender = sender_before_supervisors;
    ALTER TABLE messages DROP COLUMN sender_before_supervisors;
    ALTER TABLE messages ADD COLUMN internal INTEGER NOT NULL DEFAULT 0;
    """,
    # 6: the figures of ended buckets kept in the store (report_rollups: one
    # row per figure and bucket, deleted by the write that touches its bucket);
    # a touch records the span of times it changed (upto NULL: from `at` on).
    # (A conversation's end reason came with 4.)
    """
    ALTER TABLE report_touches ADD COLUMN upto REAL;
    CREATE TABLE report_rollups (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        start_at REAL NOT NULL,
        end_at REAL NOT NULL,
        tables TEXT NOT NULL,
        vals TEXT NOT NULL,
        UNIQUE (kind, start_at, end_at)
    );
    CREATE INDEX report_rollups_end ON report_rollups(end_at, start_at);
    """,
]
