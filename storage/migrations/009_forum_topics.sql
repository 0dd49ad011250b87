-- Forum topics (issue 14): the topic a workshop was started in (NULL: a group without
-- topics, or the general topic). Its posts go there, and one workshop runs per topic.
ALTER TABLE workshops ADD COLUMN thread_id INTEGER;
