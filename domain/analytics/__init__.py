"""Analytics: the recurring-revenue rules (docs/analytics.md, "MRR rules").

``mrr.py`` is what a subscription is worth per month at an instant, read from its engine's state
(any object shaped like ``mrr.Subscription``); ``movements.py`` turns a subscription's MRR over
time into movements (new, expansion, contraction, churn, reactivation). Both are pure: the
simulator, the live ledger and its rebuild call the same functions."""
