"""Development-only pages (registered when ``settings.is_development``; 404 in production)."""
