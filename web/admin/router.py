"""The /admin router: every route declares its permission; ``admin_guard`` checks it."""

from litestar import Router

from domain.shared.errors import NotFound, PermissionDenied
from web.admin.access import (
    STAFF_SCOPE,
    AdminSignInRequired,
    admin_guard,
    on_forbidden,
    on_not_found,
    on_sign_in_required,
)
from web.admin.account import show_recovery_codes, submit_recovery_codes
from web.admin.actions import show_action, submit_action
from web.admin.analytics import show_analytics, show_analytics_movements
from web.admin.analytics_reports import ANALYTICS_REPORT_HANDLERS
from web.admin.api_keys import (
    show_api_keys,
    show_revoke_api_key,
    submit_api_key,
    submit_revoke_api_key,
)
from web.admin.audit import export_audit_log, show_audit_log
from web.admin.catalog import (
    show_catalog,
    show_catalog_plan,
    show_new_plan,
    show_new_version,
    submit_new_plan,
    submit_new_version,
    submit_plan_details,
)
from web.admin.catalog_features import FEATURE_HANDLERS
from web.admin.coupons import (
    show_coupon,
    show_coupons,
    submit_deactivate_promotion_code,
    submit_new_coupon,
    submit_new_promotion_code,
)
from web.admin.customer_lists import show_customer_list
from web.admin.customer_notes import submit_customer_note
from web.admin.customers import show_admin_customer, show_admin_customers
from web.admin.display import show_staff_display, submit_staff_display, switch_staff_display
from web.admin.dunning import show_dunning, submit_dunning_policy, submit_dunning_preview
from web.admin.exchange_rates import show_exchange_rates, submit_exchange_rate
from web.admin.exports import EXPORT_HANDLERS
from web.admin.imports import IMPORT_HANDLERS
from web.admin.operations import OPERATIONS_HANDLERS
from web.admin.pages import show_admin_home, show_staff, submit_new_staff
from web.admin.price_migrations import (
    show_new_price_migration,
    show_price_migrations,
    submit_cancel_price_migration,
    submit_new_price_migration,
)
from web.admin.sign_in import (
    show_admin_code,
    show_admin_login,
    show_enrolment,
    submit_admin_code,
    submit_admin_login,
    submit_admin_logout,
    submit_enrolment,
)
from web.admin.sso import finish_staff_sso, start_staff_sso
from web.admin.staff_member import (
    show_staff_member,
    submit_disable_staff,
    submit_enable_staff,
    submit_reset_two_factor,
    submit_staff_role,
)
from web.admin.tax_rates import show_tax_rates, submit_archive_tax_rate, submit_tax_rate
from web.admin.test_clocks import (
    add_test_clock_customer,
    advance_test_clock,
    create_test_clock,
    list_test_clocks,
    show_test_clock,
)
from web.admin.view_as import submit_view_as, submit_view_as_exit
from web.admin.webhook_endpoints import WEBHOOK_ENDPOINT_HANDLERS
from web.admin.welcome import show_welcome, submit_welcome

router = Router(
    path="/admin",
    route_handlers=[
        show_admin_login,
        submit_admin_login,
        show_admin_code,
        submit_admin_code,
        show_enrolment,
        submit_enrolment,
        submit_admin_logout,
        start_staff_sso,
        finish_staff_sso,
        show_welcome,
        submit_welcome,
        show_admin_home,
        show_admin_customers,
        show_admin_customer,
        show_action,
        submit_action,
        show_customer_list,
        submit_customer_note,
        submit_view_as,
        submit_view_as_exit,
        show_staff,
        submit_new_staff,
        show_staff_member,
        submit_disable_staff,
        submit_enable_staff,
        submit_staff_role,
        submit_reset_two_factor,
        show_recovery_codes,
        switch_staff_display,
        show_staff_display,
        submit_staff_display,
        submit_recovery_codes,
        show_audit_log,
        export_audit_log,
        # issue 15: tax rates and the dunning policy
        show_tax_rates,
        submit_tax_rate,
        submit_archive_tax_rate,
        show_dunning,
        submit_dunning_preview,
        submit_dunning_policy,
        show_price_migrations,
        show_new_price_migration,
        submit_new_price_migration,
        submit_cancel_price_migration,
        show_catalog,
        show_new_plan,
        submit_new_plan,
        show_catalog_plan,
        submit_plan_details,
        show_new_version,
        submit_new_version,
        list_test_clocks,
        create_test_clock,
        show_test_clock,
        advance_test_clock,
        add_test_clock_customer,
        show_coupons,
        submit_new_coupon,
        show_coupon,
        submit_new_promotion_code,
        submit_deactivate_promotion_code,
        *OPERATIONS_HANDLERS,
        # issue 16: exchange rates
        show_exchange_rates,
        show_analytics,
        show_analytics_movements,
        submit_exchange_rate,
        # issue 16: cohorts and subscriber metrics
        *ANALYTICS_REPORT_HANDLERS,
        # issue 17: outbound webhook endpoints
        *WEBHOOK_ENDPOINT_HANDLERS,
        # issue 17: API keys
        show_api_keys,
        submit_api_key,
        show_revoke_api_key,
        submit_revoke_api_key,
        # issue 17: CRM import and accounting export
        *IMPORT_HANDLERS,
        *EXPORT_HANDLERS,
        # issue 17: entitlements (features and plan grants)
        *FEATURE_HANDLERS,
    ],
    guards=[admin_guard],
    dependencies=STAFF_SCOPE,
    exception_handlers={
        AdminSignInRequired: on_sign_in_required,
        PermissionDenied: on_forbidden,
        NotFound: on_not_found,
    },
    include_in_schema=False,
)
