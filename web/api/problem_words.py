"""The JSON API's own problem messages, so a problem's ``detail`` and field messages can follow
``Accept-Language`` like its ``title`` (``web/errors.py`` ``problem_text``).

A message is looked up first through ``web.messages.localise_to``, the one lookup the pages use
(the catalog, and the patterns of the domain messages a subscriber can meet); the messages only
the API says are listed here with ``N_`` (so ``make messages`` puts them in the catalogs), and
the few the API writes with a value in them (a wait in seconds, the request Litestar refused)
are matched by the patterns below and translated with their values. A message in neither is
sent as written (English): ``docs/api.md``.
"""

from __future__ import annotations

import re

from domain.adapters.formatting import in_digits
from domain.adapters.i18n import N_, translations
from domain.shared.display import Display
from web.messages import localise_to

FIXED = (
    # the API key and the request (web/api/auth.py, idempotency.py, web/errors.py)
    N_("Send your API key: Authorization: Bearer <key>."),
    N_("This API key is not valid (unknown or revoked)."),
    N_("This API key is read-only."),
    N_("This Idempotency-Key was used for another request; use a new key for a new request."),
    N_("A request with this Idempotency-Key is still in progress; retry in a moment."),
    N_("Something went wrong on our side. Quote the request id if you contact support."),
    N_("Sign in first."),
    # what a resource's id did not find
    N_("No such customer."), N_("No such invoice."), N_("No such credit note."),
    N_("No such plan."), N_("There is no such plan."), N_("No such promotion code."),
    N_("There is no such feature."), N_("This plan does not grant that feature."),
    N_("This customer has no such invoice."),
    # a customer's details (domain/customers/service.py) and the lists' cursors (web/api/)
    N_("Enter a name of at most 200 characters."),
    N_("Choose a country (a two-letter ISO 3166 code)."),
    N_("Enter at most four address lines of 200 characters."),
    N_("A customer with this e-mail exists."),
    N_("Not a subscription of this customer."),
    N_("Not a credit note of this customer."),
    N_("Not a quote for this subscription from this API."),
    N_("Send a plan_code, a quantity or both."),
)  # fmt: skip

# messages with a value in them: (the English as written, the catalog's message)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(english), message)
    for english, message in (
        (r"Too many requests for this key; retry in (?P<n>\d+) s\.",
         N_("Too many requests for this key; retry in %(n)s s.")),
        (r"Validation failed for (?P<request>[A-Z]+ \S+)",  # Litestar's, for a malformed body
         N_("Validation failed for %(request)s")),
        (r"Use at most (?P<n>\d+) characters for the tax ID\.",
         N_("Use at most %(n)s characters for the tax ID.")),
        (r"Use at most (?P<n>\d+) characters for the state or region\.",
         N_("Use at most %(n)s characters for the state or region.")),
        (r"(?P<code>\S+) is not a currency we bill in\.",
         N_("%(code)s is not a currency we bill in.")),
        (r"(?P<name>\S+) is not a time zone\.", N_("%(name)s is not a time zone.")),
        # msgspec's own words for a body or a query the API's shapes refuse (Litestar's
        # ValidationException: each field's message); types, fields and patterns kept as written
        (r"Expected `(?P<want>[^`]+)`, got `(?P<got>[^`]+)`",
         N_("Expected `%(want)s`, got `%(got)s`")),
        (r"Expected `(?P<type>[^`]+)` of length >= (?P<n>\d+)",
         N_("Expected `%(type)s` of length >= %(n)s")),
        (r"Expected `(?P<type>[^`]+)` of length <= (?P<n>\d+)",
         N_("Expected `%(type)s` of length <= %(n)s")),
        (r"Expected `(?P<type>[^`]+)` >= (?P<n>-?[\d.e+-]+)", N_("Expected `%(type)s` >= %(n)s")),
        (r"Expected `(?P<type>[^`]+)` <= (?P<n>-?[\d.e+-]+)", N_("Expected `%(type)s` <= %(n)s")),
        (r"Expected `(?P<type>[^`]+)` > (?P<n>-?[\d.e+-]+)", N_("Expected `%(type)s` > %(n)s")),
        (r"Expected `(?P<type>[^`]+)` < (?P<n>-?[\d.e+-]+)", N_("Expected `%(type)s` < %(n)s")),
        (r"Expected `(?P<type>[^`]+)` that's a multiple of (?P<n>[\d.]+)",
         N_("Expected `%(type)s` that's a multiple of %(n)s")),
        (r"Expected `(?P<type>[^`]+)` matching regex (?P<regex>.+)",
         N_("Expected `%(type)s` matching regex %(regex)s")),
        (r"Object missing required field `(?P<field>[^`]+)`",
         N_("Object missing required field `%(field)s`")),
        (r"Object contains unknown field `(?P<field>[^`]+)`",
         N_("Object contains unknown field `%(field)s`")),
        (r"Invalid enum value (?P<value>.+)", N_("Invalid enum value %(value)s")),
        (r"JSON is malformed: (?P<why>.+)", N_("JSON is malformed: %(why)s")),
    )
)  # fmt: skip

# msgspec's messages without a value
MSGSPEC_FIXED = (
    N_("Invalid decimal string"), N_("Invalid RFC3339 encoded datetime"),
    N_("Invalid RFC3339 encoded date"), N_("Invalid RFC3339 encoded time"),
    N_("Invalid UUID"), N_("Invalid base64 encoded string"), N_("Input data was truncated"),
)  # fmt: skip
_AT = re.compile(r"(?P<message>.+) - at `(?P<path>[^`]+)`", re.DOTALL)  # msgspec's "where"

_COUNTS = ("n",)  # values that are numbers: in the reader's digits; the others kept as written
_AT_PATH = N_("at `%(path)s`")


def api_text(display: Display, message: str) -> str:
    """An API problem's message in ``display``'s language when a translation exists: what the
    pages' lookup finds (``localise_to``), else one of the API's own patterns, else as it is
    (msgspec's "... - at `$.path`": the message translated, the path kept)."""
    at = _AT.fullmatch(message)
    if at is not None:
        said = api_text(display, at["message"])
        if said == at["message"]:
            return message
        where = translations(display.language).ugettext(_AT_PATH) % {"path": at["path"]}
        return f"{said} - {where}"
    found = localise_to(display, message)
    if found != message:
        return found
    catalog = translations(display.language)
    for pattern, msgid in _PATTERNS:
        match = pattern.fullmatch(message)
        if match is None:
            continue
        text = catalog.ugettext(msgid)
        if text == msgid:
            return message
        values = {
            k: in_digits(v, display) if k in _COUNTS else v for k, v in match.groupdict().items()
        }
        return text % values
    return message
