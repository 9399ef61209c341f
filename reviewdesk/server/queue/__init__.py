"""The write paths of review on the server, each run inside one database transaction.

- `items`: validating, enqueueing (idempotent by id) and withdrawing producers' items;
- `leases`: claiming, extending and releasing review slots;
- `decisions`: recording decisions, idempotent by id, with the status of each;
- `slots`: the SQL the three share (locking items, item state, the changes feed);
- `verdicts`: when an item becomes final, its resolved verdict, the verdict feed;
- `changes`: reading the changes feed and the queues' figures;
- `forms`: queues' review forms, and checking decisions' answers against them;
- `policy`: queue review policies in the database (the rules: `reviewdesk.domain.policy`).
"""
