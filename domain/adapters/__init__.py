"""Technology behind the domain's ports: database, PDF, mail and payment-gateway adapters."""
