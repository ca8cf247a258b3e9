"""Coupons (the discount) and promotion codes (the customer-facing codes for a coupon)."""
