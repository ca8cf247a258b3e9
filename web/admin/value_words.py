"""Words the staff pages show as values, marked for extraction (``N_``) so the Persian catalog has
them: the templates pass them through ``translated()`` (a status badge, a role, a match label, a
domain message re-rendered in a form). Nothing here is called; the catalog check
(``tests/unit/test_admin_value_words.py``) keeps the domain's texts and this list in step.

Text the domain composes with values in it ("Invoice INV-2026-000123", "2 active, 1 past due",
an action's preview lines) is not here and stays English: docs/localisation.md.
"""

from __future__ import annotations

from domain.adapters.i18n import N_

# a status badge's label (components/badges.html: the value, "_" as a space, capitalised)
STATUS_LABELS = (
    N_("Active"), N_("Trialing"), N_("Past due"), N_("Paused"), N_("Canceled"), N_("Cancelled"),
    N_("Unpaid"), N_("Incomplete"), N_("Incomplete expired"), N_("Draft"), N_("Open"),
    N_("Paid"), N_("Void"), N_("Uncollectible"), N_("Queued"), N_("Running"), N_("Succeeded"),
    N_("Dead"), N_("Sent"), N_("Failed"), N_("Pending"), N_("Requires action"), N_("Error"),
    N_("Declined"), N_("Recovered"), N_("Exhausted"), N_("Closed"), N_("Scheduled"), N_("Done"),
)  # fmt: skip

# a subscription's status inside a sentence ("not billed while past due")
STATUS_WORDS = (
    N_("trialing"), N_("active"), N_("past due"), N_("unpaid"), N_("paused"), N_("canceled"),
    N_("incomplete"),
)  # fmt: skip

# staff roles (domain/staff/model.py Role) and what each may do (domain/staff/permissions.py)
ROLES = (N_("viewer"), N_("support"), N_("billing"), N_("owner"))
ROLE_SUMMARIES = (
    N_("Reads customers, billing and the audit log; changes nothing."),
    N_("Acts on customers; refunds up to the support refund limit."),
    N_("Every money action at any amount, the catalog, operations, analytics, CRM imports and "
       "accounting exports."),
    N_("Everything, including staff accounts and settings."),
)  # fmt: skip

# the staff sign-in's refusals (domain/staff/sign_in.py, recovery_codes.py)
SIGN_IN_MESSAGES = (
    N_("That e-mail and password don't match a staff account."),
    N_("That code is not right. Enter the 6-digit code from your app, or a recovery code."),
    N_("That code is not right. Enter the 6-digit code your app shows now."),
    N_("You have no two-factor set up, so there are no recovery codes to replace."),
    N_("Your sign-in expired. Enter your e-mail and password again."),
)  # fmt: skip

# the customer search (domain/support/search.py) and the record's lists
SEARCH_LABELS = (N_("Customer id"), N_("E-mail"), N_("Name"), N_("No subscriptions"))
LIST_NAMES = (N_("Invoices"), N_("Payments"), N_("Refunds"), N_("Emails"), N_("Notes"),
              N_("Payments and attempts"), N_("E-mails sent"))  # fmt: skip

# why a credit note was issued (domain/billing/issued.py CreditNoteReason)
CREDIT_NOTE_REASONS = (
    N_("Duplicate"), N_("Fraudulent"), N_("Order change"), N_("Product unsatisfactory"),
)  # fmt: skip

# an e-mail's kind in the record's e-mail list (domain/notifications/model.py EmailKind)
EMAIL_KINDS = (
    N_("welcome"), N_("receipt"), N_("payment failed"), N_("payment action required"),
    N_("last chance"), N_("trial ending"), N_("upcoming renewal"), N_("card expiring"),
    N_("subscription canceled"), N_("subscription cancel scheduled"),
    N_("subscription cancel undone"), N_("subscription paused"), N_("subscription resumed"),
    N_("plan changed"), N_("price change"), N_("password reset"), N_("magic link"),
    N_("email change"), N_("credit note"), N_("invoice"), N_("analytics summary"),
    N_("webhook endpoint disabled"),
)  # fmt: skip

# the staff actions' titles and confirm buttons (domain/support/actions/, the registry's ACTIONS);
# their field labels, help and preview lines stay English for now
ACTION_TITLES = (
    N_("Apply coupon"), N_("Cancel subscription"), N_("Change plan or seats"),
    N_("Change trial end"), N_("Create one-off invoice"), N_("Don't cancel (keep renewing)"),
    N_("End trial now"), N_("Grant balance credit"), N_("Issue credit note"),
    N_("Mark invoice uncollectible"), N_("Pause subscription"),
    N_("Record a payment (bank transfer, cheque)"), N_("Refund invoice"),
    N_("Remove balance credit"), N_("Remove coupon"), N_("Resend invoice e-mail"),
    N_("Resume subscription"), N_("Retry payment now"), N_("Void invoice"),
)  # fmt: skip
ACTION_VERBS = (
    N_("Apply coupon"), N_("Cancel subscription"), N_("Change trial end"), N_("Change"),
    N_("Charge"), N_("Create invoice"), N_("End trial"), N_("Grant credit"),
    N_("Issue credit note"), N_("Keep renewing"), N_("Mark uncollectible"), N_("Pause"),
    N_("Record payment"), N_("Refund"), N_("Remove coupon"), N_("Remove credit"),
    N_("Resume now"), N_("Send e-mail"), N_("Void invoice"),
)  # fmt: skip

# a catalog charge's details (domain/catalog_admin/views.py) when its unit is the default
CHARGE_DETAILS = (N_("per unit"), N_("per seat"))

# option labels of the catalog and coupon forms (web/admin/catalog_form.py, coupons.py,
# domain/catalog/features.py LIMIT_KIND_LABELS)
OPTION_LABELS = (
    N_("Flat fee"), N_("Per unit"), N_("Graduated tiers"), N_("Volume tiers"), N_("Package"),
    N_("Sum of values"), N_("Count of events"), N_("Maximum value"), N_("Unique values"),
    N_("Last value"), N_("Access only (no limit)"), N_("A quantity"), N_("Unlimited"),
    N_("The seats bought"), N_("Monthly"), N_("Yearly"), N_("Base plan"), N_("Add-on"),
    N_("Once: the first invoice"), N_("Repeating: for a number of months"),
    N_("Forever: every invoice"),
)  # fmt: skip
