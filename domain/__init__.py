"""Business rules of the subscription product: framework-free, clock-injected, exact money."""
