-- The bell's list was posted: a bell repeated after a crash between the phase change and
-- the post posts it then (and only then). Workshops past their brainstorm already have it.
ALTER TABLE workshops ADD COLUMN list_posted INTEGER NOT NULL DEFAULT 0;
UPDATE workshops SET list_posted = 1 WHERE phase != 'brainstorm';
