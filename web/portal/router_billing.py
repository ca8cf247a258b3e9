"""The portal's billing routes: payment methods, invoices and credit notes, and the profile."""

from litestar import Router

from web.portal.billing import (
    add_card,
    download_invoice_pdf,
    list_cards,
    list_invoices_page,
    make_default_card,
    pay_invoice,
    remove_card,
    show_credit_note,
    show_invoice,
)

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
    ],
    include_in_schema=False,
)
