-- /customers off cuts off the customers who came through the link, not only the link
-- (issue 27): a customer counts while active; following a new link makes them active again
-- under the same number. Customers of a link switched off before now are cut off too.
ALTER TABLE customers ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
UPDATE customers SET active = 0
WHERE workshop_id IN (SELECT id FROM workshops WHERE customer_token IS NULL);
