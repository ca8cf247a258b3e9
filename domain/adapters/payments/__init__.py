"""Payment-gateway adapters (sandbox, stripe)."""
