"""Payments: the gateway port, payment methods, charges, refunds and dunning."""
