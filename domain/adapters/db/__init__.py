"""Piccolo persistence: engine set-up, tables, migrations, repositories and the unit of work."""
