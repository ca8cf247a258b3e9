"""Signing in: sessions, the OpenID Connect client, guards."""
