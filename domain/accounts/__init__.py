"""Subscriber accounts: sign-up, sign-in (password, e-mail link, OpenID Connect), sessions."""
