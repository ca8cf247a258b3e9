"""Piccolo implementations of the contexts' repository ports."""
