"""Customers: who is billed (billing details, tax status, the credit balance), below the
accounts that sign in as them and the subscriptions they hold."""
