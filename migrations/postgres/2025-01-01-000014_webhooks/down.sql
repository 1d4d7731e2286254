DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
DELETE FROM outbox_state WHERE name = 'webhooks';
