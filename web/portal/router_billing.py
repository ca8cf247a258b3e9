"""The portal's billing routes: payment methods, invoices and credit notes, and the profile."""

from litestar import Router

from web.portal.billing import (
    add_card,
    download_credit_note_pdf,
    download_invoice_pdf,
    list_cards,
    list_invoices_page,
    make_default_card,
    pay_invoice,
    remove_card,
    show_credit_note,
    show_invoice,
)
from web.portal.profile import (
    change_email,
    show_email_confirmation,
    show_profile,
    submit_email_confirmation,
    update_billing,
    update_display,
    update_name,
    update_notifications,
    update_password,
)
from web.portal.scope import SUBSCRIBER_SCOPE
from web.portal.viewing import ViewingRefused, on_viewing_refused, refuse_while_viewing

router = Router(
    path="/",
    route_handlers=[
        list_cards,
        add_card,
        make_default_card,
        remove_card,
        list_invoices_page,
        show_invoice,
        download_invoice_pdf,
        pay_invoice,
        show_credit_note,
        download_credit_note_pdf,
        show_profile,
        update_name,
        change_email,
        show_email_confirmation,
        submit_email_confirmation,
        update_billing,
        update_password,
        update_notifications,
        update_display,
    ],
    dependencies=SUBSCRIBER_SCOPE,
    guards=[refuse_while_viewing],
    exception_handlers={ViewingRefused: on_viewing_refused},
    include_in_schema=False,
)
