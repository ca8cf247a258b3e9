"""Sign-in pages, the session cookie and the signed-in guard."""
