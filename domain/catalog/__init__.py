"""The catalog: plans, their prices per currency, their charges and the features they include."""
