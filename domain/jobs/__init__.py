"""Durable background jobs: definitions, the schedule, and the runner that executes them."""
