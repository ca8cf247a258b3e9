"""Outbound events: what happened, recorded in the transaction of the change (a transactional
outbox) for the webhooks context to deliver (docs/webhooks.md)."""
