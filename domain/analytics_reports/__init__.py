"""Analytics that read beyond the MRR ledger (docs/analytics.md): subscriber metrics per month
(trial conversion, dunning recovery, refunds, cancellation reasons) and the monthly summary
e-mail. Above ``payments``: it reads dunning cases, refunds and subscription history."""
