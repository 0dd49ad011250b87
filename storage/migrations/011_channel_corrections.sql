-- The team's corrections to the channel the bot read from a touchpoint: when the facilitator
-- files a plan item under a channel, that text (normalised) keeps that channel in this chat,
-- for later rounds and workshops.
CREATE TABLE channel_corrections (
    chat_id    INTEGER NOT NULL,
    norm       TEXT NOT NULL,
    channel    TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (chat_id, norm)
);
