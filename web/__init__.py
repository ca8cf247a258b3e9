"""HTTP: the Litestar app, its routers per audience, templates wiring and the CLI."""
