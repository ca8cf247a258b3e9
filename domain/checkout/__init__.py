"""Checkout: the order summary priced by the billing engine, and placing an order exactly once."""
