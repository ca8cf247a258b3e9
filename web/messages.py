"""Messages the domain writes in English (a refused sign-in, a form error, a declined card, a
refused change) in the language of the person who reads them, at the web edge.

``domain/`` stays framework- and language-free: its messages are English sentences. The ones a
subscriber can see on the portal and sign-in pages are listed here with ``N_`` (so ``make
messages`` puts them in the catalogs) and the few that carry a number or a name are matched by a
pattern and translated with their values (numbers in the person's digits). Templates show a
domain message with ``{{ domain_text(message) }}``; handlers flash ``localise(request, message)``.
A message not listed here is shown as the domain wrote it (English): a new domain message needs
its line here and its translation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from jinja2 import pass_context
from litestar import Request

from domain.adapters.composed_text import rewrite
from domain.adapters.formatting import format_in_display, in_digits
from domain.adapters.i18n import N_, display_of, translations
from domain.shared.display import Display
from web.display import current_display
from web.settings import Settings

# messages shown as they are written (exact match)
FIXED = (
    # sign-in, links, passwords (domain/accounts)
    N_("That e-mail and password don't match an account."),
    N_("This link has expired or was already used."),
    N_("This link has expired. Ask for a new one."),
    N_("This address is now used by another account. Ask for a new link."),
    N_("Enter an e-mail address like name@example.com."),
    N_("This password is too common. Choose something harder to guess."),
    N_("Don't use your name or e-mail address in your password."),
    N_("That sign-in is linked to another account."),
    # any form field (web/forms.py, domain/shared/text.py)
    N_("Send this field as text."),
    N_("Remove the special characters (such as a NUL byte) from this field."),
    # cancellation and pause (domain/subscriptions)
    N_("Tell us why you are leaving."),
    N_("Tell us a little more."),
    N_("Keep it under 2000 characters."),
    N_("There is no offer to apply."),
    N_("Choose a date after today."),
    N_("A pause can last up to a year."),
    N_("Enter a date."),
    # the cancellation reasons (web/portal/subscriptions.py)
    N_("It is too expensive"),
    N_("It is missing features I need"),
    N_("I am switching to another product"),
    N_("I am not using it enough"),
    N_("Something else"),
    # add-ons and quotes
    N_("Choose to add it (1) or remove it (0)."),
    N_("That add-on is not available for this subscription."),
    N_("This price was shown over an hour ago. Please review the current price."),
    N_("Your subscription changed since this price was shown. Please review the new price."),
    N_("A renewal happened since this price was shown. Please review the new price."),
    N_("That price could not be read. Please review the current price."),
    N_("Choose another quantity to see what it costs."),
    # the upcoming invoices' notes (domain/subscriptions/subscription_views.py)
    N_("Trial ends"),
    N_("Discount ends"),
    N_("Credit used"),
    N_("Final bill"),
    # cards and payments (domain/payments, the gateways)
    N_("Your card was declined."),
    N_("Your card has insufficient funds."),
    N_("Your card has expired."),
    N_("Your card's security code is incorrect."),
    N_("An error occurred while processing your card. Try again in a little bit."),
    N_("Your card number is incorrect."),
    N_("Your card's expiration month is invalid."),
    N_("Your card's expiration year is invalid."),
    N_("Your card's security code is invalid."),
    N_("This card could not be saved. Please enter it again."),
    N_("Your saved card is no longer available. Please add a card."),
    N_("Your bank asks you to confirm this payment."),
    N_("The payment was canceled."),
    N_("There is no card on file. Please add a card."),
    N_("This invoice has nothing left to pay."),
    N_("This is your default card. Make another card the default first."),
    N_("This confirmation link has expired. Sign in to your account to pay the invoice."),
    # what an error page says (web/errors.py) and the "not found" a subscriber can meet
    N_("We couldn't find the page you asked for."),
    N_("Something went wrong on our side."),
    N_("You have no subscriptions yet."),
    N_("No such subscription."),
    N_("We could not find that invoice."),
    N_("We could not find that credit note."),
    N_("We could not find that link."),
    N_("No such card."),
    N_("No such payment."),
    # the statuses a badge shows (components/badges.html)
    N_("Active"), N_("Trialing"), N_("Past due"), N_("Unpaid"), N_("Incomplete"),
    N_("Incomplete expired"), N_("Paused"), N_("Canceled"), N_("Draft"), N_("Open"),
    N_("Paid"), N_("Void"), N_("Uncollectible"), N_("Pending"), N_("Succeeded"),
    N_("Requires action"), N_("Declined"), N_("Error"),
)  # fmt: skip

# messages with a value in them: (the English as the domain writes it, the catalog's message)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(english), message)
    for english, message in (
        (r"Use at least (?P<n>[\d,]+) characters\.", N_("Use at least %(n)s characters.")),
        (r"Use at most (?P<n>[\d,]+) characters\.", N_("Use at most %(n)s characters.")),
        (
            r"Too many failed sign-in attempts\. Sign-in with a password is locked for "
            r"(?P<n>\d+) minutes?; you can still reset your password or get a sign-in link by "
            r"e-mail\.",
            N_(
                "Too many failed sign-in attempts. Sign-in with a password is locked for "
                "%(n)s minutes; you can still reset your password or get a sign-in link by "
                "e-mail."
            ),
        ),
        (r"Choose 1 to (?P<n>\d+) billing periods\.", N_("Choose 1 to %(n)s billing periods.")),
        (r"(?P<plan>.+) cannot be paused\.", N_("%(plan)s cannot be paused.")),
        (
            r"Enter a whole number of blocks of (?P<unit>.+) from 0 to (?P<n>[\d,]+) "
            r"\(0 removes it\)\.",
            N_("Enter a whole number of blocks of %(unit)s from 0 to %(n)s (0 removes it)."),
        ),
        (
            r"Choose from 0 to (?P<n>[\d,]+) blocks of (?P<unit>.+)\.",
            N_("Choose from 0 to %(n)s blocks of %(unit)s."),
        ),
        (
            r"(?P<name>.+) is not on your subscription: choose at least 1\.",
            N_("%(name)s is not on your subscription: choose at least 1."),
        ),
        (r"(?P<name>.+) is added once \(1\) or removed \(0\)\.",
         N_("%(name)s is added once (1) or removed (0).")),
        (r"(?P<name>.+) is not on your subscription\.", N_("%(name)s is not on your subscription.")),
        (r"(?P<name>.+) is already on your subscription\.",
         N_("%(name)s is already on your subscription.")),
    )
)  # fmt: skip

# --- subscriber-facing domain messages (issue 19, the subscriber's side) -------------------
# accounts, checkout, subscriptions, payments, promotion codes and the customer's profile: what
# tests/unit/test_subscriber_messages.py finds raised or written in those contexts (kept as a
# block of its own so additions elsewhere in this module merge apart)
SUBSCRIBER_FIXED = (
    # accounts (domain/accounts): sign-in with a provider, the profile, passwords, sign-up
    N_("No such account."),
    N_("No such customer."),
    N_("Your sign-in provider did not confirm your e-mail address, so we cannot match it to an "
       "account. Sign in another way."),
    N_("You have no billing account yet."),
    N_("That is not your current password."),
    N_("This is already your e-mail address."),
    N_("Another account uses this e-mail address."),
    N_("An account with this e-mail exists. Sign in first."),
    N_("An account with this e-mail exists. Sign in to use it."),
    N_("This account already manages another customer."),
    # the customer's billing details (domain/customers/service.py)
    N_("A customer with this e-mail exists."),
    N_("Enter a name of at most 200 characters."),
    N_("Choose a country (a two-letter ISO 3166 code)."),
    N_("Enter at most four address lines of 200 characters."),
    # the checkout (domain/checkout)
    N_("Enter your card number."), N_("Enter the month (MM)."), N_("Enter the year (YY)."),
    N_("Enter the security code."),
    N_("No such order."),
    N_("This checkout expired. Please start again."),
    N_("This checkout is for another plan. Start again."),
    N_("The total of this order is not the one shown. Please check it again."),
    N_("The total of this order changed since it was shown. Please check it again."),
    N_("Something went wrong while paying. Please try again."),
    N_("Your card could not be saved. Please try another card."),
    N_("Choose your country from the list."),
    N_("Enter a VAT number like DE123456789 (with the country prefix)."),
    N_("Enter your name."), N_("Enter your address."), N_("Enter your city."),
    N_("Enter your postal code."),
    # subscriptions: the portal's commands and what the engine refuses under them
    N_("The subscription's plan is gone."),
    N_("the subscription and the customer use different currencies"),
    N_("Choose one of the plans listed."),
    N_("This is a price change of your plan, announced by e-mail; it cannot be undone here. "
       "You can change your plan or cancel instead."),
    N_("the subscription is not set to cancel"),
    N_("there is no scheduled change to cancel"),
    N_("there is no coupon on this subscription"),
    N_("must be a whole number of at least 1"),
    N_("there is no subscription yet"),
    N_("the first payment is still due; complete it before changing the subscription"),
    N_("the subscription is already paused"),
    N_("the subscription is not paused"),
    N_("this customer is already subscribed"),
    # payments (domain/payments): the invoices and receipts a subscriber opens
    N_("No such invoice."),
    N_("Not an invoice of this customer."),
    # the gateways' decline reasons: the sandbox's and the messages Stripe writes for a
    # customer (``user_message``) for its test cards' decline codes
    N_("Your card number is invalid."),
    N_("Your card does not support this type of purchase."),
    N_("Your card is not supported."),
    N_("Your card was declined for making repeated attempts too frequently or exceeding its "
       "amount limit."),
    N_("Your card was declined. This transaction requires authentication."),
    N_("Your card was declined. Your request was in live mode, but used a known test card."),
    N_("We are unable to authenticate your payment method. Please choose a different payment "
       "method and try again."),
    N_("The card details were refused."),
)  # fmt: skip

# a closed set of words inside a pattern ("for your postal code"): translated, not digits
_FIELD_WORDS = (N_("name"), N_("address"), N_("city"), N_("postal code"), N_("state or region"))

SUBSCRIBER_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(english), message)
    for english, message in (
        (r"Enter your name \(at most (?P<n>\d+) characters\)\.",
         N_("Enter your name (at most %(n)s characters).")),
        (r"Use at most (?P<n>\d+) characters for the tax ID\.",
         N_("Use at most %(n)s characters for the tax ID.")),
        (r"Use at most (?P<n>\d+) characters for the state or region\.",
         N_("Use at most %(n)s characters for the state or region.")),
        (r"Use at most (?P<n>\d+) characters for your (?P<word>name|address|city|postal code"
         r"|state or region)\.",
         N_("Use at most %(n)s characters for your %(word)s.")),
        (r"(?P<code>\S+) is not a currency we bill in\.", N_("%(code)s is not a currency we bill in.")),
        (r"(?P<code>\S+) is not a currency we sell in\.", N_("%(code)s is not a currency we sell in.")),
        (r"(?P<zone>\S+) is not a time zone\.", N_("%(zone)s is not a time zone.")),
        (r"There is no plan '(?P<code>[^']*)' to buy\.", N_("There is no plan %(code)s to buy.")),
        (r"There is no plan '(?P<code>[^']*)'\.", N_("There is no plan %(code)s.")),
        (r"There is no add-on '(?P<code>[^']*)'\.", N_("There is no add-on %(code)s.")),
        (r"(?P<name>.+) is not sold in (?P<code>[A-Z]{3})\.",
         N_("%(name)s is not sold in %(code)s.")),
        (r"Your account is billed in (?P<code>[A-Z]{3}); choose that currency\.",
         N_("Your account is billed in %(code)s; choose that currency.")),
        (r"Enter a whole number of seats from 1 to (?P<n>[\d,]+)\.",
         N_("Enter a whole number of seats from 1 to %(n)s.")),
        (r"Enter a whole number from 0 to (?P<n>[\d,]+)\.",
         N_("Enter a whole number from 0 to %(n)s.")),
        (r"(?P<code>.+) cannot be added to (?P<name>.+)\.", N_("%(code)s cannot be added to %(name)s.")),
        (r"(?P<name>.+) is not on this subscription", N_("%(name)s is not on this subscription")),
        (r"plan (?P<code>\S+) has no price in (?P<currency>[A-Z]{3})",
         N_("plan %(code)s has no price in %(currency)s")),
        (r"(?P<name>.+) is billed every (?P<word>.+), (?P<plan>.+) every (?P<word2>.+)",
         N_("%(name)s is billed every %(word)s, %(plan)s every %(word2)s")),
        (r"(?P<name>.+) has metered charges; an add-on is billed in advance",
         N_("%(name)s has metered charges; an add-on is billed in advance")),
        # promotion codes (domain/promotions/redemption.py)
        (r"The code (?P<code>.+) is not valid\.", N_("The code %(code)s is not valid.")),
        (r"The code (?P<code>.+) has been used up\.", N_("The code %(code)s has been used up.")),
        (r"The code (?P<code>.+) is no longer active\.",
         N_("The code %(code)s is no longer active.")),
        (r"The code (?P<code>.+) has expired\.", N_("The code %(code)s has expired.")),
        (r"The code (?P<code>.+) does not apply to this plan\.",
         N_("The code %(code)s does not apply to this plan.")),
        (r"The code (?P<code>.+) is for a first subscription only\.",
         N_("The code %(code)s is for a first subscription only.")),
        (r"The code (?P<code>.+) cannot be used with (?P<currency>[A-Z]{3}) prices\.",
         N_("The code %(code)s cannot be used with %(currency)s prices.")),
        (r"The code (?P<code>.+) is for new orders of at least (?P<amount>.+) only\.",
         N_("The code %(code)s is for new orders of at least %(amount)s only.")),
        (r"The code (?P<code>.+) needs an order of at least (?P<amount>.+) before discounts\.",
         N_("The code %(code)s needs an order of at least %(amount)s before discounts.")),
    )
)  # fmt: skip
# --- end of the subscriber-facing block ------------------------------------------------------

_NAMES = ("plan", "unit", "name", "code", "zone", "currency")
_WORDS = ("word", "word2")  # a field's name, an interval: translated


def localise_to(display: Display, message: str) -> str:
    """``message`` in ``display``'s language when the catalog has it (exactly, or by one of the
    patterns above), else as it is."""
    if not message:
        return message
    catalog = translations(display.language)
    found = catalog.ugettext(message)
    if found != message:
        return found
    for pattern, msgid in (*_PATTERNS, *SUBSCRIBER_PATTERNS):
        match = pattern.fullmatch(message)
        if match is None:
            continue
        text = catalog.ugettext(msgid)
        if text == msgid:
            return message  # English, or not translated yet
        values = {k: _value(display, k, v) for k, v in match.groupdict().items()}
        return text % values
    # a value the domain composes ("Tax (19%)", "3 months"): domain/adapters/composed_text.py
    return rewrite(display, message) or message


def _value(display: Display, name: str, value: str) -> str:
    """A pattern's value as the translation shows it: a word translated, a name or a code as
    written, a number in the reader's digits."""
    if name in _WORDS:
        found = translations(display.language).ugettext(value)
        return found if found != value else rewrite(display, value) or value
    return value if name in _NAMES else in_digits(value, display)


def localise(request: Request[Any, Any, Any], message: str) -> str:
    """A domain message for a flash or a page, in the request's language."""
    return localise_to(current_display(request), message)


@pass_context
def domain_text(context: Mapping[str, Any], message: str | None) -> str:
    """``{{ domain_text(message) }}``: a domain message in the page's language."""
    return localise_to(display_of(context), message or "")


def number(request: Request[Any, Any, Any], value: int) -> str:
    """A count inside a flash message, in the request's digits."""
    return in_digits(str(value), current_display(request))


def date_text(request: Request[Any, Any, Any], value: datetime) -> str:
    """A date inside a flash message as the pages write it (``|date_local("date")``): the
    request's language, calendar and digits, in the site's time zone."""
    settings: Settings = request.app.state.runtime.settings
    return format_in_display(
        value, display=current_display(request), timezone=settings.default_timezone, style="date"
    )
