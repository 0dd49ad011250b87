-- Customer voice (issue 13). A workshop's survey link (NULL: none or revoked); the customers
-- who followed it, numbered in the order they came (the pseudonym in exports); which
-- contributions and raters are customers'.
ALTER TABLE workshops ADD COLUMN customer_token TEXT;
CREATE UNIQUE INDEX workshops_customer_token ON workshops (customer_token);
CREATE TABLE customers (
    workshop_id     INTEGER NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL,
    alias           INTEGER NOT NULL,
    joined_at       TEXT NOT NULL,
    PRIMARY KEY (workshop_id, user_id)
);
ALTER TABLE contributions ADD COLUMN customer INTEGER NOT NULL DEFAULT 0;
ALTER TABLE raters ADD COLUMN source TEXT NOT NULL DEFAULT 'team';
