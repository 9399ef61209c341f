"""Webhooks: each final verdict POSTed, signed, to the URLs registered for its queue.

`hooks`: registering webhooks, the delivery log, replay (SQL on the webhook tables);
`worker`: the delivery worker each server process runs (it sends through
`reviewdesk.remote.webhooks`).
"""
