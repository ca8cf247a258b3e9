"""The subscriber portal (/account): overview, subscription, invoices, payment methods, profile."""
