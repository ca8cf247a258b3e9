"""Subscriptions: customers, the persisted subscription aggregate and its use cases."""
