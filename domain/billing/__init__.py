"""Invoices, credit notes and the engine that bills a subscription through time."""
