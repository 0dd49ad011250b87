-- The first schema: chats, people, workshops and their touchpoints, rating rounds,
-- plan items, schedules and pending jobs. Times are UTC ISO-8601 strings.

CREATE TABLE chats (
    id              INTEGER PRIMARY KEY,
    title           TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL DEFAULT 'group',
    locale          TEXT,
    timezone        TEXT,
    settings        TEXT NOT NULL DEFAULT '{}',
    created_at      TEXT NOT NULL
);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    username        TEXT,
    full_name       TEXT NOT NULL DEFAULT '',
    language_code   TEXT,
    started_bot     INTEGER NOT NULL DEFAULT 0,
    blocked_bot     INTEGER NOT NULL DEFAULT 0,
    -- The workshop whose private idea box this user opened last (deep link).
    idea_box_workshop_id INTEGER,
    updated_at      TEXT NOT NULL
);
CREATE INDEX users_username ON users (lower(username));

CREATE TABLE members (
    chat_id         INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_seen       TEXT NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);

CREATE TABLE workshops (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id         INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    topic           TEXT NOT NULL DEFAULT '',
    facilitator_id  INTEGER NOT NULL,
    locale          TEXT NOT NULL,
    phase           TEXT NOT NULL,
    idea_token      TEXT NOT NULL UNIQUE,
    board_message_id INTEGER,
    started_at      TEXT NOT NULL,
    deadline        TEXT,
    ended_at        TEXT
);
CREATE INDEX workshops_chat ON workshops (chat_id, id);

CREATE TABLE touchpoints (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    workshop_id     INTEGER NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    text            TEXT NOT NULL,
    norm            TEXT NOT NULL,
    stage           TEXT NOT NULL DEFAULT 'none',
    author_id       INTEGER NOT NULL,
    source_chat_id  INTEGER,
    source_message_id INTEGER,
    shortlisted     INTEGER NOT NULL DEFAULT 0,
    dropped         INTEGER NOT NULL DEFAULT 0,
    position        INTEGER NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX touchpoints_workshop ON touchpoints (workshop_id, position);

-- Everyone who brought a touchpoint up, the author included: the +1 count.
CREATE TABLE contributions (
    touchpoint_id   INTEGER NOT NULL REFERENCES touchpoints (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL,
    anonymous       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (touchpoint_id, user_id)
);

-- A Telegram message already turned into ideas: a redelivered update adds nothing.
CREATE TABLE processed_messages (
    chat_id         INTEGER NOT NULL,
    message_id      INTEGER NOT NULL,
    workshop_id     INTEGER NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    PRIMARY KEY (chat_id, message_id)
);

CREATE TABLE rounds (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    workshop_id     INTEGER NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    number          INTEGER NOT NULL,
    token           TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL,
    opened_at       TEXT NOT NULL,
    deadline        TEXT NOT NULL,
    closed_at       TEXT,
    message_id      INTEGER,
    results_shown   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (workshop_id, number)
);

CREATE TABLE round_items (
    round_id        INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    touchpoint_id   INTEGER NOT NULL REFERENCES touchpoints (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    PRIMARY KEY (round_id, touchpoint_id)
);

CREATE TABLE raters (
    round_id        INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL,
    wizard_message_id INTEGER,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    PRIMARY KEY (round_id, user_id)
);

-- One answer per rater, touchpoint and criterion: a second tap overwrites.
-- value NULL means skipped (not a zero).
CREATE TABLE ratings (
    round_id        INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    touchpoint_id   INTEGER NOT NULL REFERENCES touchpoints (id) ON DELETE CASCADE,
    rater_id        INTEGER NOT NULL,
    criterion       TEXT NOT NULL,
    value           INTEGER CHECK (value IS NULL OR value BETWEEN 0 AND 10),
    source          TEXT NOT NULL DEFAULT 'team',
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (round_id, touchpoint_id, rater_id, criterion)
);

CREATE TABLE plan_items (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    workshop_id     INTEGER NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    round_id        INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    touchpoint_id   INTEGER NOT NULL REFERENCES touchpoints (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    criterion       TEXT NOT NULL,
    action          TEXT NOT NULL,
    owner_id        INTEGER,
    due_date        TEXT,
    done_at         TEXT,
    UNIQUE (round_id, touchpoint_id)
);

CREATE TABLE schedules (
    chat_id         INTEGER PRIMARY KEY REFERENCES chats (id) ON DELETE CASCADE,
    spec            TEXT NOT NULL,
    at_time         TEXT NOT NULL,
    last_fire       TEXT,
    created_at      TEXT NOT NULL
);

-- Every deadline and reminder; scheduler jobs are rebuilt from this at start-up.
CREATE TABLE jobs (
    key             TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    ref_id          INTEGER NOT NULL,
    run_at          TEXT NOT NULL,
    done_at         TEXT
);
CREATE INDEX jobs_pending ON jobs (done_at, run_at);
