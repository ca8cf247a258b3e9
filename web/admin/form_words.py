"""The staff admin's form messages in the staff member's language: what the domain writes in
English when a staff form is refused (``ValidationFailed``: a field's error, a form's summary),
the CRM import's mapping labels and row problems, the staff actions' field labels, help,
choices and refusals, and (from ``web/admin/preview_words.py``) their previews' lines.

``domain/`` stays language-free (docs/localisation.md): these are its English sentences, marked
with ``N_`` so ``make messages`` puts them in the catalogs. A message that carries a value
("Use at most 80 characters.", "The code WELCOME20 has expired.") is listed once with its value
as a named placeholder; the English is matched by the pattern made from that placeholder
(``%(n)s`` matches any text, the most specific pattern first) and the translation is given
the value: a number or an amount in the staff member's digits, a day ("Apr 1, 2024") in their
calendar, a known word ("the trial days", "active") translated, a name or a code (``_NAMES``:
a plan's, a coupon's, an invoice number, "USD") as written; isolated so it keeps its own
direction in Persian.

Handlers pass a refusal through ``staff_errors(request, exc.field_errors)`` /
``staff_text(request, exc.message)``; templates show a domain text with ``{{ form_text(text) }}``.
A message this module does not know falls back to ``web/messages.py`` (the subscriber's list),
then to the catalog, then to the English. ``tests/unit/test_admin_form_words.py`` scans the
domain packages and fails when one of their messages has no entry here or no Persian.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from jinja2 import pass_context
from litestar import Request

from domain.adapters.formatting import format_in_display, format_money, in_digits
from domain.adapters.i18n import N_, display_of, translations
from domain.shared.display import RIGHT_TO_LEFT, Display
from domain.shared.errors import DomainError
from domain.shared.message import Message
from domain.shared.money import Money
from web.admin.preview_words import PREVIEW_COMPOSED, PREVIEW_PATTERNS
from web.display import current_display
from web.messages import localise_to

# field errors and summaries of the catalog, coupon, import, tax rate, exchange rate, dunning,
# staff, API key and webhook endpoint forms, and the import mapping's labels (exact)
FORM_FIXED = (
    N_('A feature with this key exists; keys never change.'),
    N_('Please correct the marked fields.'),
    N_('Choose a feature.'),
    N_('A plan with this code exists; choose another or publish a new version of it.'),
    N_('An add-on attaches to base plans billed on its interval.'),
    N_("These are the current version's prices and trial."),
    N_('Nothing changed: change a price or the trial to publish a new version.'),
    N_('must be a number'),
    N_('must be a finite number'),
    N_('cannot be negative'),
    N_('A quantity cannot be negative.'),
    N_('Enter an amount of zero or more.'),
    N_('Enter a price per unit (0 for free).'),
    N_('Enter a price such as 0.05.'),
    N_('Enter a price of zero or more.'),
    N_('That price is too large.'),
    N_("Enter the tier's last unit as a positive number (blank: and above)."),
    N_("Add at least one tier; leave the last one's bound blank."),
    N_('Use lower-case letters, digits, dots and underscores (e.g. api_calls).'),
    N_('A flat fee counts no usage; leave the meter blank.'),
    N_('Price the plan in at least one currency.'),
    N_("Enter the plan's name."),
    N_('Enter an amount.'),
    N_('That amount is too large.'),
    N_("Leave the last tier's bound blank (and above)."),
    N_('Choose how usage is counted.'),
    N_('Choose a pricing model.'),
    N_('Choose monthly or yearly.'),
    N_('Choose a base plan or an add-on.'),
    N_('Choose base plans from the list.'),
    N_('Enter an amount such as 19.90.'),
    N_('Enter where this tier ends.'),
    N_('Enter a currency code such as USD or EUR.'),
    N_('Each tier must end above the one before.'),
    N_('Enter a code, e.g. team-monthly.'),
    N_('Use lower-case letters, digits and single hyphens, starting with a letter.'),
    N_('Choose what the plan grants.'),
    N_('This plan is not priced per seat; choose a quantity instead.'),
    N_('Enter a name.'),
    N_('must be a whole number of at least 1'),
    N_('only an add-on is attached to other plans'),
    N_('Choose a plan with usage pricing.'),
    N_('Choose monthly or annual billing.'),
    N_('give at least one price'),
    N_('A plan version needs a price in at least one currency.'),
    N_('a change at period end has nothing to prorate; use none'),
    N_('A change at the end of the period is not prorated; choose no proration.'),
    N_('Choose a day that has not passed.'),
    N_('Enter a name customers and colleagues will recognise.'),
    N_('Choose plans from the catalog.'),
    N_('Enter a date as YYYY-MM-DD.'),
    N_('Enter an amount above zero.'),
    N_('Enter a percentage above 0 and at most 100, like 20 or 12.5.'),
    N_('Choose a percentage or an amount off.'),
    N_('Choose how long the discount lasts.'),
    N_('Enter for how many months the discount repeats.'),
    N_('Enter the amount off in at least one currency.'),
    N_('Enter the date (YYYY-MM-DD).'),
    N_('Enter the date as YYYY-MM-DD.'),
    N_('Enter a date from 2000 on.'),
    N_('The end date is before the start date.'),
    N_('Choose what to export.'),
    N_('Export at most three years at a time.'),
    N_('The period starts in the future: nothing to export yet.'),
    N_('The file is empty. Export the customers again and choose that file.'),
    N_('This is not a CSV file (it has binary content). Export the customers as CSV and choose that file.'),
    N_('The file has a header but no rows.'),
    N_('The file is empty.'),
    N_('The first row must name the columns (Email, Company name, ...).'),
    N_('A column name has special characters or is too long.'),
    N_('Use up to 40 lower-case letters, digits, - or _ (hubspot, salesforce).'),
    N_('This import has started: upload the file again to change its mapping.'),
    N_('Run the dry run first.'),
    N_('This import has already started.'),
    N_('External ID'),
    N_("The CRM's id of the record: a re-import updates the customer with this id."),
    N_('The billing name. Without it, first and last name are joined.'),
    N_('First name'),
    N_('Last name'),
    N_('An ISO code (DE) or the English name (Germany).'),
    N_('State or region'),
    N_('Street address'),
    N_('Postal code'),
    N_('The currency the customer is billed in (EUR): one the catalog sells.'),
    N_('VAT number'),
    N_('Plan code'),
    N_('Quantity'),
    N_('external id'),
    N_('e-mail'),
    N_('country'),
    N_('currency'),
    N_('Choose the column with the name (or first and last name).'),
    N_('Enter the country: an ISO code (DE) or its English name.'),
    N_("Enter the record's id: re-imports match on it."),
    N_('Choose a country (a two-letter ISO 3166 code).'),
    N_('Use at most 200 characters per address line.'),
    N_('Enter a whole number of at least 1.'),
    N_('A quantity needs a plan to apply to.'),
    N_('none yet'),
    N_('The rate to replace no longer exists.'),
    N_('This is the rate as it is: change the percentage, the name or whether prices include it.'),
    N_('Enter the rate, e.g. 1.0825.'),
    N_('Enter a number such as 1.0825 or 0.0066 (digits and one point, no signs).'),
    N_('A rate is above zero.'),
    N_('This rate is too large: check the direction (one unit of the currency in the reporting currency).'),
    N_('Enter a number such as 1.0825.'),
    N_('Enter the date the rate applies from.'),
    N_('Enter a date as YYYY-MM-DD, e.g. 2026-12-01.'),
    N_('Use a date from 2000 on.'),
    N_('Use a date at most a year ahead.'),
    N_('Choose a currency.'),
    N_('Choose an ISO 4217 currency.'),
    N_('List at least one retry day, e.g. 1, 3, 5, 7.'),
    N_('Use whole numbers of days separated by commas, e.g. 1, 3, 5, 7.'),
    N_('Choose what happens to the subscription.'),
    N_('Choose what happens to the invoice.'),
    N_('List the days in increasing order, each once.'),
    N_('This is the policy as it is: change something first.'),
    N_("Enter the staff member's name."),
    N_('Choose one of the roles.'),
    N_('A staff member with this e-mail exists.'),
    N_('You cannot disable yourself. Ask another owner.'),
    N_('You cannot reset your own two-factor. Ask another owner.'),
    N_('Say why: the reason is kept in the audit log.'),
    N_('Name the key after what will use it ("CRM sync").'),
    N_('Choose read only or read and write.'),
    N_('This key is already revoked.'),
    N_('Choose event types from the list.'),
    N_('Choose the events to send, or all events.'),
    N_('Enter the URL that receives the events.'),
    N_('A URL has no spaces or control characters.'),
    N_('Enter a full URL starting with https://.'),
    N_('Leave user names and passwords out of the URL.'),
    N_('Leave the #fragment out of the URL.'),
    N_('This is not a URL.'),
    N_('Use https:// (plain http only reaches 127.0.0.1 in development).'),
    N_('A public host is needed, not this server.'),
    N_('This address is private or reserved: use a public host.'),
    N_('A public host name is needed (like hooks.example.com).'),
    N_('the trial days'),
    N_('the package size'),
    N_('the free units'),
    N_('the sort order'),
    N_('the number of months or years'),
    N_('the months'),
    N_('the maximum'),
    N_('E-mail'),
    N_('Name'),
    N_('Country'),
    N_('City'),
    N_('Currency'),
)  # fmt: skip

# the same with a value in them
FORM_PATTERNS = (
    N_('%(plan)s is not sold in %(currency)s'),
    N_('%(name)s is not available in %(currency)s.'),
    N_('Enter %(what)s as a whole number.'),
    N_('Enter %(what)s from %(low)s to %(high)s.'),
    N_('Use at most %(n)s characters.'),
    N_('List at most %(n)s features.'),
    N_('%(currency)s is priced twice; keep one.'),
    N_('Add at least one charge in %(currency)s.'),
    N_('Keep each feature to %(n)s characters.'),
    N_('Use 2 to %(n)s characters.'),
    N_('%(code)s is reserved; choose another code.'),
    N_('%(currency)s has no decimal places; enter a whole amount.'),
    N_('Use at most %(n)s decimal places for %(currency)s.'),
    N_('Enter a whole number from 0 to %(n)s.'),
    N_("Use 1 to %(n)s lowercase letters, digits, '_', '-' or '.', starting with a letter or digit (e.g. analytics.export)."),
    N_('stays %(interval)s; a new interval needs a new plan'),
    N_('%(name)s is billed every %(interval)s; to bill every %(other)s, create a new plan instead of a new version.'),
    N_('one price per currency (%(currency)s given twice)'),
    N_('A plan has one price per currency; %(currency)s was given twice.'),
    N_('%(addon)s is not an add-on'),
    N_('%(name)s is a plan of its own, not an add-on.'),
    N_('%(base)s is an add-on, not a base plan'),
    N_('Add-ons are attached to a plan; %(name)s is itself an add-on.'),
    N_('%(addon)s cannot be attached to %(base)s'),
    N_('%(name)s is not available with the %(plan)s plan.'),
    N_('billed every %(interval)s, the plan every %(other)s'),
    N_('%(name)s is billed every %(interval)s and %(plan)s every %(other)s; an add-on must renew with its plan.'),
    N_('%(name)s is an add-on; add-ons are attached to a plan.'),
    N_('%(currency)s is not a currency'),
    N_('no plan with code %(code)s'),
    N_('There is no plan with code %(code)s.'),
    N_('%(name)s has no usage pricing'),
    N_('%(name)s has no usage pricing to estimate.'),
    N_('The code %(code)s is taken: choose another.'),
    N_('The code %(code)s is not valid.'),
    N_('The code %(code)s has been used up.'),
    N_('The code %(code)s is no longer active.'),
    N_('The code %(code)s has expired.'),
    N_('The code %(code)s does not apply to this plan.'),
    N_('The code %(code)s is for a first subscription only.'),
    N_('The code %(code)s cannot be used with %(currency)s prices.'),
    N_('The code %(code)s is for new orders of at least %(amount)s only.'),
    N_('The code %(code)s needs an order of at least %(amount)s before discounts.'),
    N_('Enter %(what)s as a whole number from 1 to %(n)s.'),
    N_('Use %(low)s to %(high)s letters A-Z and digits, or leave it blank to generate one.'),
    N_('Keep the name to %(n)s characters.'),
    N_('Enter an amount in %(currency)s, like 10.00.'),
    N_('The file is larger than %(n)s MB. Split it into smaller files and import each.'),
    N_('The file is not UTF-8 (line %(line)s has bytes that are not). Export it again as CSV UTF-8.'),
    N_('The file has more than %(n)s columns.'),
    N_('The file is not a well-formed CSV (line %(line)s: %(problem)s). Export it again as CSV.'),
    N_('The file has more than %(n)s rows. Split it and import each part.'),
    N_('The e-mail %(email)s belongs to another customer.'),
    N_("This customer's e-mail is %(email)s: an import never changes an e-mail (the customer confirms a new one from their account)."),
    N_("The customer is billed in %(currency)s: a customer's currency never changes."),
    N_('The file has no column %(column)s.'),
    N_('Choose the column that holds the %(field)s.'),
    N_('%(column)s already feeds %(field)s.'),
    N_('The catalog does not sell in %(currency)s (it sells in %(sold)s).'),
    N_('There is no current plan %(plan)s in the catalog.'),
    N_('Enter a whole number from 1 to %(n)s.'),
    N_('Plan %(plan)s has no price in %(currency)s.'),
    N_('The same id as row %(row)s.'),
    N_('The same e-mail as row %(row)s.'),
    N_('%(where)s has an active rate already (%(name)s %(percent)s). Replace that rate to change it.'),
    N_('%(name)s %(percent)s (%(jurisdiction)s) is archived already: create a new rate instead.'),
    N_('A replacement keeps the jurisdiction (%(jurisdiction)s).'),
    N_('%(name)s %(percent)s is archived already.'),
    N_('%(where)s has an active rate already. Replace that rate to change it.'),
    N_('Use at most %(n)s decimals.'),
    N_('Use at most %(n)s significant digits.'),
    N_('%(currency)s is the reporting currency: it converts to itself at 1.'),
    N_('Use at most %(n)s retries.'),
    N_('Each retry is 1 to %(n)s days after the first failure.'),
    N_('%(name)s is disabled already.'),
    N_('%(name)s is the last active owner. Make another owner first.'),
    N_('%(name)s is not disabled.'),
    N_('%(name)s has the %(role)s role already.'),
    N_('%(name)s has no two-factor to reset.'),
    N_('Use at most %(n)s characters on one line.'),
)  # fmt: skip

# the staff actions' field labels, help, choices and refusals (domain/support/actions/)
ACTION_FIXED = (
    N_('The trial began this very moment; end it a moment later.'),
    N_("In the customer's currency."),
    N_('Note on the balance transaction'),
    N_('Optional; your reason goes in the audit log either way.'),
    N_('At the end of the current period'),
    N_('Unused time'),
    N_('No refund'),
    N_('Credit the unused time to the balance'),
    N_('Refund the unused time to the card'),
    N_("Only when cancelling now: a paid period's unused part."),
    N_('Coupon code'),
    N_("A promotion code (for example WELCOME20); its limits and its coupon's apply: active, expiry, redemptions, plans, first subscription only; a code with a minimum order is for new orders."),
    N_('Tax included, as on the invoice.'),
    N_('Reason on the credit note'),
    N_('Reference'),
    N_("The bank transfer's or cheque's reference."),
    N_('Received on'),
    N_('Paid by'),
    N_('Payment due in (days)'),
    N_('0 charges the default card now; 30 sends the invoice, due in 30 days.'),
    N_('PO number'),
    N_("The customer's purchase order number, printed on the invoice."),
    N_('Memo'),
    N_('A note printed on the invoice and its e-mail.'),
    N_("Before tax (tax is added from the customer's address)."),
    N_('Pause for'),
    N_('Until a date'),
    N_('The renewals in the pause are skipped.'),
    N_('Resume on'),
    N_('With “Until a date”: within a year.'),
    N_('Leave empty to refund everything left.'),
    N_('Refund to'),
    N_('The card that paid'),
    N_('Account credit'),
    N_('Credit note reason'),
    N_("Any current plan sold in the subscription's currency."),
    N_('For plans billed by the seat; leave empty to keep the seats.'),
    N_("As the plan pair's rule says (as in the portal)"),
    N_('Proration'),
    N_('Invoice the difference now'),
    N_('Add the difference to the next invoice'),
    N_('Do not prorate'),
    N_('For a change made now: how the rest of the period is billed.'),
    N_('Quoted at'),
    N_('Trial ends on'),
    N_('Empty: one week after the current end. The hour stays the same.'),
    N_("Cancelling at the period's end uses the whole period: nothing to refund or credit. Choose Now, or No refund."),
    N_("This subscription is not set to cancel at the period's end."),
    N_('This customer has no card on file: they add one in their portal, or record a bank transfer instead.'),
    N_('Enter an amount such as 12.50.'),
    N_('Enter an amount more than zero.'),
    N_('This amount is too large.'),
    N_('Choose one of the options.'),
    N_('Fill this in.'),
    N_('Say why (at least a few words); it goes in the audit log.'),
    N_('voided (credit a paid one with a credit note)'),
    N_('marked uncollectible'),
    N_("Enter the payment's reference and the day the money arrived."),
    N_('The money cannot have arrived after today.'),
    N_('Add at least one line: what it charges for and its amount.'),
    N_('Describe what this line charges for.'),
    N_('This customer has no card on file: give net terms (days) so they pay the e-mailed invoice.'),
    N_('This subscription is not paused.'),
    N_('A plan change is scheduled: cancel it before pausing.'),
    N_('This subscription is no longer paused: its pause ended.'),
    N_('This preview was shown over an hour ago; preview the change again.'),
    N_('This preview could not be read; preview the change again.'),
    N_('Choose another plan or another number of seats.'),
    N_('The customer has no credit to remove.'),
    N_('This subscription has no coupon to remove.'),
    N_("the customer's balance is in another currency; refund instead"),
    N_("the customer's balance is in another currency; refund to the card"),
    N_('This invoice has no customer to credit.'),
    N_('Choose a day after today; to end the trial today, end it now.'),
    N_('A trial can end at most two years from now.'),
    N_('Amount'),
    N_('Cancel'),
    N_('Now'),
    N_('Plan'),
    N_('Seats'),
    N_('When'),
)  # fmt: skip

ACTION_PATTERNS = (
    N_('Line %(n)s: description'),
    N_('Line %(n)s: amount'),
    N_('This subscription is already %(status)s.'),
    N_('This subscription already ends on %(day)s. To end it sooner, cancel now.'),
    N_('Invoice %(number)s is %(status)s; nothing is left to charge.'),
    N_('Invoice %(number)s was voided; there is nothing to send.'),
    N_('Enter a whole number from %(low)s to %(high)s.'),
    N_('Enter an amount with at most %(n)s decimals.'),
    N_('Invoice %(number)s is %(status)s; only an %(allowed)s invoice can be %(what)s.'),
    N_('Invoice %(number)s was issued after that day.'),
    N_('A %(status)s subscription cannot be paused; only an active or trialing one.'),
    N_('%(plan)s cannot be paused (the catalog says so).'),
    N_('A %(status)s subscription cannot change plan; it must be active, trialing, past due or unpaid.'),
    N_('This subscription is %(status)s, not in a trial.'),
    N_('The customer has %(amount)s of credit; remove at most that.'),
    N_('Invoice %(number)s is %(status)s; only an open or paid invoice gets a credit note.'),
    N_('Invoice %(number)s is not paid; there is nothing to refund.'),
    N_('Enter a whole number of seats from 1 to %(n)s.'),
    N_('invoice %(number)s has been refunded or credited in full'),
    N_('invoice %(number)s has nothing left to credit'),
    N_('a refund is more than 0 and at most %(amount)s'),
    N_('a credit note is more than 0 and at most %(amount)s'),
)  # fmt: skip

_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")
_NUMBER = re.compile(r"\d")
_LETTER = re.compile(r"[A-Za-z]")
_GROUPING = re.compile(r"(?<=[\u06f0-\u06f9]),(?=[\u06f0-\u06f9])")
_PLAIN_NUMBER = re.compile(r"[\d,.\u066b\u066c]+")  # no sign or symbol: needs no isolating
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONEY = re.compile(r"(?P<sign>-?)(?P<amount>\d+(?:\.\d+)?) (?P<currency>[A-Z]{3})")
_ISO_DAY = re.compile(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])")
_DAY = re.compile(rf"(?P<month>{'|'.join(_MONTHS)}) (?P<day>\d{{1,2}}), (?P<year>\d{{4}})")
# placeholders whose value is the merchant's or the customer's own text, never translated
_NAMES = frozenset({
    "plan", "name", "addon", "base", "coupon", "code", "number", "email", "card", "brand",
    "last4", "po", "column", "where", "jurisdiction", "currency", "sold", "reporting", "problem",
    "note", "reference", "memo",
})  # fmt: skip
_SUMMARY_PART = re.compile(r"(?P<field>[\w.-]+): (?P<message>.+)", re.DOTALL)
_ISOLATE = "\u2068{}\u2069"  # FSI ... PDI: a value keeps its own direction inside Persian


def _english_pattern(msgid: str) -> re.Pattern[str]:
    """The English a ``msgid`` stands for: each ``%(name)s`` any text (a named group)."""
    parts: list[str] = []
    end = 0
    for match in _PLACEHOLDER.finditer(msgid):
        parts.append(re.escape(msgid[end : match.start()]))
        parts.append("%" if match.group(1) is None else f"(?P<{match.group(1)}>.+?)")
        end = match.end()
    parts.append(re.escape(msgid[end:]))
    return re.compile("".join(parts), re.DOTALL)


def _skeleton(msgid: str) -> str:
    """``msgid`` with each value a NUL: what an f-string in the domain looks like (the test)."""
    return _PLACEHOLDER.sub(lambda m: "%" if m.group(1) is None else "\x00", msgid)


# the most specific first: "Enter %(what)s as a whole number from 1 to %(n)s." before "Enter
# %(what)s from %(low)s to %(high)s.", which would also match it
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (_english_pattern(msgid), msgid)
    for msgid in sorted(
        (*FORM_PATTERNS, *ACTION_PATTERNS, *PREVIEW_PATTERNS, *PREVIEW_COMPOSED),
        key=lambda m: -len(_skeleton(m).replace("\x00", "")),
    )
)
SKELETONS = frozenset(_skeleton(msgid) for msgid in (*FORM_PATTERNS, *ACTION_PATTERNS))
FIXED = frozenset((*FORM_FIXED, *ACTION_FIXED))


def _kept(value: str, display: Display) -> str:
    """A name or a code (a plan's, a coupon's, an invoice number, an e-mail) as written."""
    return _ISOLATE.format(value) if display.language in RIGHT_TO_LEFT else value


def _value(value: str, display: Display) -> str:
    """A value inside a translated message: a known word in the reader's language, a number or
    an amount ("1,000", "$10.00") in their digits, anything with Latin letters (a code, a name,
    "USD") as written; isolated in a right-to-left text."""
    catalog = translations(display.language)
    for word in (value, value.replace("_", " ")):
        found = catalog.ugettext(word)
        if found != word:
            return found
    day = _DAY.fullmatch(value)
    if day is not None:  # "Apr 1, 2024" (the actions' day()): the reader's calendar and digits
        month = _MONTHS.index(day["month"]) + 1
        at = datetime(int(day["year"]), month, int(day["day"]), 12, tzinfo=UTC)
        return format_in_display(at, display=display, timezone="UTC", style="date")
    money = _MONEY.fullmatch(value)
    if money is not None:  # "50.00 USD" (a Money the domain wrote): as every amount is shown
        try:
            amount = Money.parse(money["amount"], money["currency"])
        except (ValueError, KeyError, DomainError):
            amount = None
        if amount is not None:
            amount = -amount if money["sign"] else amount
            text = format_money(amount, locale=display.locale, display=display)
            return _ISOLATE.format(text) if display.language in RIGHT_TO_LEFT else text
    if _ISO_DAY.fullmatch(value):  # "2024-02-14" (a due day, a payment's day): the same
        at = datetime.fromisoformat(value).replace(hour=12, tzinfo=UTC)
        return format_in_display(at, display=display, timezone="UTC", style="date")
    if any(pattern.fullmatch(value) for pattern, _ in PATTERNS):  # a label with its own value
        return text_to(display, value)
    if _NUMBER.search(value) and not _LETTER.search(value):  # 1,000 · 12.5 · $10.00
        native = in_digits(value, display)
        if native != value:  # Persian digits: the Persian thousands separator too ("۱٬۰۰۰")
            native = _GROUPING.sub("\u066c", native)
        value = native
        if _PLAIN_NUMBER.fullmatch(value):
            return value
    return _ISOLATE.format(value) if display.language in RIGHT_TO_LEFT else value


def value_to(display: Display, value: str) -> str:
    """A value on its own (a day, an amount, a known phrase) as it reads inside a message."""
    return _value(value, display)


def text_to(display: Display, message: str) -> str:
    """``message`` (English, as the domain wrote it) in ``display``'s language when the catalog
    has it, exactly or by one of the patterns; else as ``web/messages.py`` would show it."""
    if not message:
        return message
    catalog = translations(display.language)
    found = catalog.ugettext(message)
    if found != message:
        return found
    for pattern, msgid in PATTERNS:
        match = pattern.fullmatch(message)
        if match is None:
            continue
        text = catalog.ugettext(msgid)
        if text == msgid:
            break  # English, or not translated yet
        return text % {
            k: _kept(v, display) if k in _NAMES else _value(v, display)
            for k, v in match.groupdict().items()
        }
    parts = [_SUMMARY_PART.fullmatch(part) for part in message.split("; ")]
    if len(parts) > 1 and all(parts):  # ValidationFailed's own summary: "code: ...; name: ..."
        return "; ".join(f"{p['field']}: {text_to(display, p['message'])}" for p in parts if p)
    return localise_to(display, message)


def message_to(display: Display, message: Message) -> str:
    """A ``Message`` the domain said (``domain/shared/message.py``): its template from the
    catalog, each value written for the reader as in a matched pattern (a name or a code as
    written, a day in their calendar, a number in their digits, a known phrase translated)."""
    text = translations(display.language).ugettext(message.template)
    if not message.values:
        return text
    return text % {
        k: _kept(v, display) if k in _NAMES else _value(v, display)
        for k, v in message.values.items()
    }


def staff_message(request: Request[Any, Any, Any], message: Message) -> str:
    """A ``Message`` for a staff page or flash, in the signed-in staff member's language."""
    return message_to(current_display(request), message)


def staff_text(request: Request[Any, Any, Any], message: str) -> str:
    """A domain message for a staff page or flash, in the signed-in staff member's language."""
    return text_to(current_display(request), message)


def staff_errors(request: Request[Any, Any, Any], errors: Mapping[str, str]) -> dict[str, str]:
    """A form's field errors (``ValidationFailed.field_errors``) in the staff member's language,
    keyed as they were."""
    display = current_display(request)
    return {field: text_to(display, message) for field, message in errors.items()}


@pass_context
def form_text(context: Mapping[str, Any], message: str | None) -> str:
    """``{{ form_text(text) }}``: a domain text (a label, an import row's problem, an action's
    refusal) in the page's language."""
    return text_to(display_of(context), message or "")
