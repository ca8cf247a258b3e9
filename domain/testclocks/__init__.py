"""Sandbox test clocks: rehearse billing by moving time for chosen customers."""
