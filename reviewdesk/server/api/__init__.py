"""API v1's routers, one per audience.

- `producers`: push and withdraw items, an item's state, the verdict feed;
- `reviewers`: leases, decisions, changes;
- `admins`: tokens, queue review policies, webhooks;
- `forms`: queues' review forms (set by admins, read by anyone who may see the queue);
- `templates`: prompt templates' texts (set by producers, read by any token);
- `feedback`: statistics, routing advice, dataset exports (producers and admins);
- `service`: health and metrics.

The bodies are `reviewdesk.protocol.v1`'s; the write paths are `reviewdesk.server.queue`'s.
"""
