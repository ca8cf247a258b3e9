"""Notifications: the e-mail outbox (every notice the product sends), rendered from templates
and delivered by a job through the ``Mailer`` port."""
