"""Integrations with the business's other systems: the CRM import (customers and their current
subscriptions from a CSV) and the accounting export (documents and a double-entry journal)."""
