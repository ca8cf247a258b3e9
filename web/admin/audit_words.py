"""The audit log's action codes in words, in the staff member's language: the audit page's
action column and filter, and a staff member's recent activity show ``{{ audit_action(code) }}``
with the code itself kept beside it (a tooltip, and the filter's value), so the log can still be
searched and exported by code (the CSV keeps the codes).

A staff action on a customer is named by its title (``domain/support/actions/``, translated in
``web/admin/value_words.py``); every other code the domain records is listed here.
``tests/unit/web/test_audit_words.py`` reads every code the domain can record from the source
and fails when one has no words here. A code this list does not know is shown as itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, pass_context

from domain.adapters.i18n import N_, display_of, gettext_for
from domain.shared.display import Display
from domain.support.actions.registry import ACTIONS

AUDIT_ACTIONS: dict[str, str] = {
    "accounting.exported": N_("Accounting export downloaded"),
    "api_key.created": N_("API key created"),
    "api_key.revoked": N_("API key revoked"),
    "coupon.created": N_("Coupon created"),
    "customer_import.uploaded": N_("Customer import uploaded"),
    "customer_import.checked": N_("Customer import checked (dry run)"),
    "customer_import.started": N_("Customer import started"),
    "customer_import.finished": N_("Customer import finished"),
    "customer.note_added": N_("Note added to a customer"),
    "customer.view_as_started": N_("Viewed the portal as the subscriber"),
    "customer.view_as_ended": N_("Stopped viewing the portal"),
    "customer.view_as_page": N_("Opened a portal page as the subscriber"),
    "dunning_policy.changed": N_("Dunning policy changed"),
    "email.resent": N_("E-mail resent"),
    "exchange_rate.added": N_("Exchange rate added"),
    "feature.created": N_("Feature created"),
    "feature.updated": N_("Feature renamed"),
    "job.discarded": N_("Job discarded"),
    "job.retried": N_("Job retried"),
    "plan.created": N_("Plan created"),
    "plan.feature_granted": N_("Feature granted by a plan"),
    "plan.feature_removed": N_("Feature removed from a plan"),
    "plan.updated": N_("Plan details changed"),
    "plan.version_published": N_("Plan version published"),
    "price_migration.scheduled": N_("Price migration scheduled"),
    "price_migration.canceled": N_("Price migration cancelled"),
    "promotion_code.created": N_("Promotion code created"),
    "promotion_code.deactivated": N_("Promotion code deactivated"),
    "staff.2fa_enrolled": N_("Two-factor sign-in set up"),
    "staff.2fa_reset": N_("Two-factor sign-in reset"),
    "staff.analytics_email_on": N_("Monthly summary e-mail turned on"),
    "staff.analytics_email_off": N_("Monthly summary e-mail turned off"),
    "staff.created": N_("Staff member invited"),
    "staff.disabled": N_("Staff member disabled"),
    "staff.display_changed": N_("Display preferences changed"),
    "staff.enabled": N_("Staff member enabled"),
    "staff.locked_out": N_("Locked out after failed sign-ins"),
    "staff.password_set": N_("Password set"),
    "staff.recovery_codes_regenerated": N_("Recovery codes regenerated"),
    "staff.role_changed": N_("Role changed"),
    "staff.signed_in": N_("Signed in"),
    "tax_rate.archived": N_("Tax rate archived"),
    "tax_rate.created": N_("Tax rate created"),
    "test_clock.advanced": N_("Test clock advanced"),
    "test_clock.created": N_("Test clock created"),
    "test_clock.customer_added": N_("Customer created on a test clock"),
    "webhook_delivery.replayed": N_("Webhook delivery replayed"),
    "webhook_endpoint.auto_disabled": N_("Webhook endpoint disabled after failures"),
    "webhook_endpoint.created": N_("Webhook endpoint created"),
    "webhook_endpoint.disabled": N_("Webhook endpoint disabled"),
    "webhook_endpoint.enabled": N_("Webhook endpoint enabled"),
    "webhook_endpoint.secret_rotated": N_("Webhook signing secret rotated"),
    "webhook_endpoint.updated": N_("Webhook endpoint changed"),
}


def english_words(code: str) -> str | None:
    """The English words for ``code``: a staff action's title, else this list's, else None."""
    action = ACTIONS.get(code)
    return action.title if action is not None else AUDIT_ACTIONS.get(code)


def action_words(display: Display, code: str) -> str:
    """``code`` in words in ``display``'s language; an unknown code as itself."""
    words = english_words(code)
    return code if words is None else gettext_for(display.language, words)


@pass_context
def audit_action(context: Mapping[str, Any], code: str) -> str:
    """``{{ audit_action(e.action) }}``: the code in words in the page's language."""
    return action_words(display_of(context), code)


def install_audit_words(env: Environment) -> None:
    env.globals["audit_action"] = audit_action
