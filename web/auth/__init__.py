"""Sign-in pages, the session cookie, the signed-in guard and the OpenID Connect client."""
