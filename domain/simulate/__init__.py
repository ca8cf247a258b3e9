"""Replay a subscription history through the billing engine: ``python -m domain.simulate FILE``.

The format is ``shared/SIMULATION.md``; ``scenario.py`` parses and validates it (errors name the
field, e.g. ``events[3].plan``), ``run.py`` drives the engine, ``output.py`` writes the result.
"""
