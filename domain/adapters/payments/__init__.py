"""Payment-gateway adapters: implementations of ``domain.payments.ports.PaymentGateway``."""
