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

_NAMES = ("plan", "unit", "name")  # values that are words, not numbers: kept as written


def localise_to(display: Display, message: str) -> str:
    """``message`` in ``display``'s language when the catalog has it (exactly, or by one of the
    patterns above), else as it is."""
    if not message:
        return message
    catalog = translations(display.language)
    found = catalog.ugettext(message)
    if found != message:
        return found
    for pattern, msgid in _PATTERNS:
        match = pattern.fullmatch(message)
        if match is None:
            continue
        text = catalog.ugettext(msgid)
        if text == msgid:
            return message  # English, or not translated yet
        values = {
            k: v if k in _NAMES else in_digits(v, display) for k, v in match.groupdict().items()
        }
        return text % values
    return message


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
