"""Operations: what staff watch and fix behind the product (jobs, the e-mail outbox, gateway
webhooks, cancellation feedback), read and acted on from the admin."""
