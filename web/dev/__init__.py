"""Development-only routes (registered when ``settings.is_development``; 404 in production):
the old /dev/outbox addresses, which redirect to the admin's e-mail pages."""
