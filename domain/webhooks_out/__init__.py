"""Outbound webhooks: endpoints staff manage, each outbound event fanned out to the endpoints
that want it, delivered signed (Standard Webhooks) by the job runner with retries for three
days, every attempt logged (docs/webhooks.md)."""
