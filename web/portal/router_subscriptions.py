"""Routes of the portal's overview and subscription pages (part 1 of the subscriber portal)."""

from litestar import Router

from web.portal.addons import confirm_addon, edit_addon
from web.portal.overview import list_subscriptions, show_overview, show_receipt, show_subscription
from web.portal.scope import SUBSCRIBER_SCOPE
from web.portal.subscriptions import (
    apply_retention_coupon,
    cancel_scheduled_change,
    cancel_subscription,
    cancel_subscription_form,
    confirm_subscription_change,
    edit_subscription_change,
    pause_subscription,
    resume_subscription,
    uncancel_subscription,
)
from web.portal.viewing import ViewingRefused, on_viewing_refused, refuse_while_viewing

router = Router(
    path="/",
    route_handlers=[
        show_overview,
        list_subscriptions,
        show_subscription,
        show_receipt,
        edit_subscription_change,
        confirm_subscription_change,
        edit_addon,
        confirm_addon,
        cancel_scheduled_change,
        cancel_subscription_form,
        cancel_subscription,
        uncancel_subscription,
        apply_retention_coupon,
        pause_subscription,
        resume_subscription,
    ],
    dependencies=SUBSCRIBER_SCOPE,
    guards=[refuse_while_viewing],
    exception_handlers={ViewingRefused: on_viewing_refused},
    include_in_schema=False,
)
