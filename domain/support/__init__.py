"""What support staff read: finding a customer and the customer's whole record."""
