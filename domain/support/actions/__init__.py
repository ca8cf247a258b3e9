"""Staff actions on a customer: one framework (base, service), one module per action."""
