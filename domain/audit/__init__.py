"""The audit log: append-only entries of what staff did (who, when, what, on which object, why)."""
