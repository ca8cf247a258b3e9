"""Create a one-off invoice for the customer: lines staff type, taxed and numbered as the
customer's other invoices, with net terms and a memo or PO number
(``domain/payments/one_off.py``)."""

from __future__ import annotations

from collections.abc import Mapping

from domain.payments.one_off import MAX_NET_DAYS, OneOffLine, draft_one_off_in, issue_one_off_in
from domain.payments.service import collect_invoice
from domain.shared.errors import InvalidTransition, NotFound, ValidationFailed
from domain.shared.ids import CustomerId
from domain.shared.message import said
from domain.shared.money import Money
from domain.staff.model import SignedInStaff
from domain.staff.permissions import Permission
from domain.support.actions.base import (
    ActionField,
    ActionPreview,
    ActionServices,
    Executed,
    FieldKind,
    MoneyLine,
    StaffAction,
    TargetKind,
)
from domain.support.actions.inputs import int_field, money_field, refuse, text_field
from domain.support.ports import ActionsUnit

LINES = 3  # the form's lines (the first one required)
MAX_DESCRIPTION = 200
MAX_MEMO = 500
MAX_PO = 64


def _line_fields() -> tuple[ActionField, ...]:
    fields: list[ActionField] = []
    for n in range(1, LINES + 1):
        fields.append(ActionField(f"line{n}_description", f"Line {n}: description",
                                  required=n == 1, max_length=MAX_DESCRIPTION))  # fmt: skip
        fields.append(ActionField(f"line{n}_amount", f"Line {n}: amount", FieldKind.MONEY,
                                  required=n == 1,
                                  help="Before tax (tax is added from the customer's address)."
                                  if n == 1 else ""))  # fmt: skip
    return tuple(fields)


class CreateOneOffInvoice(StaffAction):
    code = "customer.one_off_invoice"
    title = "Create one-off invoice"
    verb = "Create invoice"
    target = TargetKind.CUSTOMER
    permission = Permission.MONEY_ACT
    moves_money = True
    fields = (
        *_line_fields(),
        ActionField("net_days", "Payment due in (days)", FieldKind.INTEGER,
                    help="0 charges the default card now; 30 sends the invoice, due in 30 days.",
                    max_length=3),
        ActionField("po_number", "PO number", required=False, max_length=MAX_PO,
                    help="The customer's purchase order number, printed on the invoice."),
        ActionField("memo", "Memo", required=False, max_length=MAX_MEMO,
                    help="A note printed on the invoice and its e-mail."),
    )  # fmt: skip

    async def preview(
        self, uow: ActionsUnit, svc: ActionServices, *, customer_id: str, target_id: str,
        raw: Mapping[str, str], lock: bool,
    ) -> ActionPreview:  # fmt: skip
        if target_id != customer_id:
            raise NotFound("There is no such customer.", code="support.no_such_customer")
        customer = await uow.customers.get(CustomerId(customer_id))
        if customer is None:
            raise NotFound("There is no such customer.", code="support.no_such_customer")
        lines, terms = _lines(raw, customer.currency)
        net = int_field({"net_days": raw.get("net_days", "").strip() or "30"}, "net_days",
                        low=0, high=MAX_NET_DAYS)  # fmt: skip
        po = text_field(raw, "po_number", max_length=MAX_PO, required=False)
        memo = text_field(raw, "memo", max_length=MAX_MEMO, required=False)
        now = svc.clock.now()
        draft = await draft_one_off_in(uow, customer_id, lines, net_days=net, now=now,
                                       config=svc.config, lock=lock)  # fmt: skip
        inv = draft.invoice
        cur = inv.currency

        def money(minor: int) -> Money:
            return Money.of_minor(minor, cur)

        shown = [MoneyLine(line.description, money(line.amount)) for line in lines]
        basis = inv.tax_basis
        if basis is not None and basis.percentage is not None:
            label = f"Tax {basis.percentage}%" + (" (included)" if basis.inclusive else "")
            shown.append(MoneyLine(label, money(inv.tax)))
        if inv.credit_applied:
            shown.append(MoneyLine("Balance credit applied", money(-inv.credit_applied)))
        notes = []
        if basis is not None and basis.note:
            notes.append(basis.note)
        if net == 0:
            card = next((m for m in await uow.payment_methods.for_customer(customer_id)
                         if m.is_default), None)  # fmt: skip
            if card is None and inv.amount_due > 0:
                raise InvalidTransition("This customer has no card on file: give net terms "
                                        "(days) so they pay the e-mailed invoice.",
                                        code="support.no_card")  # fmt: skip
            who = f"{card.brand.title()} •••• {card.last4}" if card else "no card"
            effect = f"charged now to {who}" if inv.amount_due else "paid at once by balance credit"
            notes.append("The invoice is issued and charged as soon as you confirm; the receipt "
                         "is e-mailed when the charge succeeds, dunning starts if it fails.")  # fmt: skip
            due_text = "due now"
        else:
            assert draft.due_at is not None
            due_text = f"due {draft.due_at.date().isoformat()}"
            effect = f"owed by the customer, {due_text}"
            notes.append(f"The invoice is e-mailed to {customer.email} with its PDF; they pay it "
                         "from their portal, or you record their bank transfer. It is not "
                         "charged automatically.")  # fmt: skip
        if po:
            notes.append(f"PO number {po} is printed on the invoice.")
        if memo:
            notes.append(f"Memo printed on the invoice: “{memo}”.")
        return ActionPreview(
            summary=f"One-off invoice for {customer.name or customer.email}, {due_text}",
            terms={**terms, "net_days": str(net), "po_number": po, "memo": memo},
            lines=tuple(shown),
            total=money(inv.amount_due),
            effect=effect,
            notes=tuple(notes),
            facts=(MoneyLine("Invoice total", money(inv.total)),),
            before={"balance": str(money(customer.balance_minor))},
            after={
                "balance": str(money(draft.balance_after)),
                "net_days": net,
                "po_number": po,
                "memo": memo,
            },
        )

    async def execute(
        self, uow: ActionsUnit, svc: ActionServices, *, actor: SignedInStaff, customer_id: str,
        target_id: str, preview: ActionPreview, reason: str,
    ) -> Executed:  # fmt: skip
        terms = preview.terms
        customer = await uow.customers.get(CustomerId(customer_id))
        assert customer is not None
        lines, _ = _lines(terms, customer.currency)
        net = int(terms["net_days"])
        draft = await draft_one_off_in(uow, customer_id, lines, net_days=net,
                                       now=svc.clock.now(), config=svc.config, lock=True)  # fmt: skip
        issued = await issue_one_off_in(uow, draft, memo=terms["memo"],
                                        po_number=terms["po_number"], config=svc.config)  # fmt: skip

        async def charge() -> None:
            await collect_invoice(
                issued.id, uow=svc.uow, gateway=svc.gateway, clock=svc.clock, config=svc.config
            )

        return Executed(
            "invoice", issued.id, said("Created invoice %(number)s.", number=issued.number),
            after={"invoice": issued.number},
            after_commit=charge if net == 0 and issued.invoice.amount_due > 0 else None,
        )  # fmt: skip


def _lines(raw: Mapping[str, str], currency: str) -> tuple[list[OneOffLine], dict[str, str]]:
    """The filled-in lines (a line is its description and amount, both or neither)."""
    lines: list[OneOffLine] = []
    terms: dict[str, str] = {}
    if not any(raw.get(f"line{n}_{part}", "").strip()
               for n in range(1, LINES + 1) for part in ("description", "amount")):  # fmt: skip
        # the empty form: say what to do once, not a message under every input
        raise ValidationFailed(
            {"": "Add at least one line: what it charges for and its amount."},
            code="support.bad_input",
        )
    for n in range(1, LINES + 1):
        d_name, a_name = f"line{n}_description", f"line{n}_amount"
        description = text_field(raw, d_name, max_length=MAX_DESCRIPTION, required=n == 1)
        amount = money_field(raw, a_name, currency, required=bool(description) or n == 1)
        if amount is not None and not description:
            raise refuse(d_name, "Describe what this line charges for.")
        if amount is None:
            continue
        lines.append(OneOffLine(description, amount.minor))
        terms[d_name], terms[a_name] = description, amount.to_decimal_string()
    return lines, terms
