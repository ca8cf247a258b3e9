"""Pure pricing rules: charge models, proration fractions, discounts, tax, invoice totals."""
