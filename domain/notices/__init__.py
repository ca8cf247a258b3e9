"""Notices: which e-mail a customer gets for each billing event, composed from every context.

The outbox that queues, renders and sends e-mails is ``domain.notifications`` (a lower layer
that billing, payments and subscriptions use to ask for a notice with ``notify_later``).
"""
