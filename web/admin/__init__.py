"""/admin: the staff back office (its own sign-in, cookie and guard)."""
