"""No input answers 5xx, and a refused input changes nothing.

The walk reads every route from ``app.routes`` (routes added later are walked too) and sends a
fixed set of hostile values (``HOSTILE``) in each path parameter and each form field, one at a
time, the other fields holding values that pass (so the hostile one is what reaches the
database). Query parameters only read: each value goes in all of them at once, and the values a
database refuses (``READ_BREAKERS``) in each one alone. Query and form fields are found the way a browser finds them: from the forms, links
and htmx attributes of the app's own pages, plus the handlers' declared query parameters. Every
POST route also gets the wrong content type, a 2 MB body and every field sent twice. Pages under
/account are walked signed in as a subscriber (with a CSRF token), those under /admin (but its
sign-in steps) signed in as an owner with two-factor, the rest anonymously.

Rows are watched with triggers the test adds to every table (but the two that record sign-ins
by design): a request answered 400/404/405/410/413/414/415/422 must not have written anything.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit

import httpx
import pytest
from bs4 import BeautifulSoup, Tag
from litestar import Litestar

from domain.adapters.db.tables import (
    ALL_TABLES,
    AccountTable,
    AuthSessionTable,
    SandboxCardTable,
    SignInAttemptTable,
)
from domain.pricing.coupons import CouponDuration
from domain.shared.clock import FrozenClock
from domain.testclocks.model import TestClock
from domain.testclocks.service import create_test_clock
from tests.support.accounts import CHEAP_HASHER, PASSWORD, sign_in
from tests.support.database import TestDatabase
from tests.support.html import csrf_token
from tests.support.outbox import outbox_emails
from tests.support.portal_history import fail_next_renewal, make_subscriber
from tests.support.promotions import add_promotion
from tests.support.staff import admin_sign_in, make_staff
from tests.web.conftest import serve
from tests.web.test_portal_isolation import _email_change_secret
from web.api.auth import KEY_READ_IN_USE_CASE, require_api_key

pytestmark = [pytest.mark.web, pytest.mark.slow, pytest.mark.timeout(600)]  # 2,000+ requests

# str values are sent as UTF-8; bytes values as they are (percent-encoded in URLs and forms)
HOSTILE: dict[str, str | bytes] = {
    "zero": "0",
    "minus_one": "-1",
    "10^12": str(10**12),
    "abc": "abc",
    "rtl": "\u202etxt.exe\u202c \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
    "10KB": "x" * 10_240,
    "empty": "",
    "NUL": "a\x00b",
    "sql": "' OR '1'='1'; DROP TABLE account; --",
    "bad_utf8": b"\xff\xfe\xc3(",
}
READ_BREAKERS = ("NUL", "bad_utf8", "10KB")
REFUSED = {400, 404, 405, 410, 413, 414, 415, 422}
# written on purpose by refused requests: failed sign-ins (the throttle counts them), last seen
# and the sandbox gateway's ledger, which stands in for the payment provider (a card is
# tokenised there before the order's checks, as a provider's browser script would)
NOT_WATCHED = {
    SignInAttemptTable._meta.tablename,
    AuthSessionTable._meta.tablename,
    SandboxCardTable._meta.tablename,
    "staff_session",  # the staff walker's last seen
}
# routes whose refusals write on purpose: a wrong code for new recovery codes counts towards the
# staff lockout like a wrong sign-in (the member's failed attempts, and the lockout's audit entry)
WRITES_WHEN_REFUSED = {"/admin/account/recovery-codes": {"staff_member", "audit_entry"}}
# the staff admin's sign-in steps are walked anonymously; every other /admin route signed in as
# an owner (with two-factor), who may use them all
ADMIN_ANONYMOUS = ("/admin/login", "/admin/enrol", "/admin/logout", "/admin/welcome/")
PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")
NOT_QUERY = {"request", "data", "runtime", "signed_in", "maybe_signed_in", "uow", "read_uow",
             "clock", "settings", "state", "headers", "cookies", "scope", "body"}  # fmt: skip
SKIP_PREFIXES = ("/static", "/api/schema")  # files and the OpenAPI viewers (schemathesis: API)
NEW_PASSPHRASE = "a brand new passphrase for tests"


def valid_values(n: int) -> dict[str, str]:
    """Values that pass each form's checks (a fresh e-mail each time: checkouts succeed)."""
    return {
        "email": f"walker{n}@example.com",
        "password": PASSWORD,
        "current_password": PASSWORD,
        "new_password": NEW_PASSPHRASE,
        "name": "Ada Lovelace",
        "country": "DE",
        "address": "Unter den Linden 1\n10117 Berlin",
        "address_line1": "Unter den Linden 1",
        "city": "Berlin",
        "postal_code": "10117",
        "card_number": "4242424242424242",
        "exp_month": "12",
        "exp_year": "34",
        "cvc": "123",
        "reason": "too_expensive",
        "periods": "1",
        "checkout_token": secrets.token_urlsafe(24),
    }


FRESH = {"email", "checkout_token"}  # a new one each request, whatever the page had


@dataclass
class Target:
    """What the pages showed about one route: the fields sent to it and their defaults."""

    fields: dict[str, str] = field(default_factory=dict)
    htmx: bool = False


def route_regex(template: str) -> re.Pattern[str]:
    out, pos = "", 0
    for m in PARAM.finditer(template):
        out += re.escape(template[pos : m.start()]) + (".*" if m.group(2) == "path" else "[^/]+")
        pos = m.end()
    return re.compile(f"^{out}{re.escape(template[pos:])}$")


def _behind_api_key(route: Any, method: str) -> bool:
    """A JSON resource behind an API key (the guard, or its handler's own key read): JSON bodies,
    walked by schemathesis with a key (tests/web/api/test_api_v1_schemathesis.py); here it would
    only answer 401."""
    entry = getattr(route, "route_handler_map", {}).get(method)
    handler = entry[0] if isinstance(entry, tuple) else entry
    return handler is not None and (
        require_api_key in handler.resolve_guards() or bool(handler.opt.get(KEY_READ_IN_USE_CASE))
    )


def walked_routes(app: Litestar) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if route.path.startswith(SKIP_PREFIXES):
            continue
        for method in sorted(getattr(route, "methods", set()) - {"HEAD", "OPTIONS"}):
            if not _behind_api_key(route, method):
                found.append((method, route.path))
    return found


def declared_query(app: Litestar, method: str, template: str) -> set[str]:
    """The query parameters a handler declares (names that are not path, body or dependency)."""
    names: set[str] = set()
    for route in app.routes:
        if route.path != template:
            continue
        for handler in getattr(route, "route_handlers", []):
            if method not in handler.http_methods:
                continue
            injected = handler.resolve_dependencies()  # the app's, routers' and its own
            for name in handler.parsed_fn_signature.parameters:
                if name not in NOT_QUERY | injected.keys() and name not in route.path_parameters:
                    names.add(name)
    return names


def form_fields(form: Tag) -> dict[str, str]:
    values: dict[str, str] = {}
    for el in form.find_all(["input", "select", "textarea"]):
        name = el.get("name")
        if not name or name == "_csrf_token":
            continue
        kind = (el.get("type") or "").lower()
        if el.name == "select":
            chosen = el.find("option", selected=True) or el.find("option")
            values.setdefault(name, str(chosen.get("value", "")) if chosen else "")
        elif el.name == "textarea":
            values.setdefault(name, el.get_text())
        elif kind in ("checkbox", "radio"):
            if el.has_attr("checked"):
                values[name] = str(el.get("value", "on"))
            else:
                values.setdefault(name, "")
        elif kind not in ("submit", "button", "image", "reset"):
            values.setdefault(name, str(el.get("value", "")))
    return values


def discover(html: str, page_url: str, routes: list[tuple[str, str]], found: dict) -> None:
    """Record, per (method, route), the fields the page sends there (forms, hx-get/hx-post
    inside forms, links with a query string)."""
    doc = BeautifulSoup(html, "html.parser")

    def record(method: str, url: str, fields: dict[str, str], htmx: bool) -> None:
        path = urlsplit(urljoin(page_url, url)).path
        query = dict(parse_qsl(urlsplit(urljoin(page_url, url)).query))
        for m, template in routes:
            if m == method and route_regex(template).match(path):
                target = found.setdefault((m, template), Target())
                for k, v in {**query, **fields}.items():
                    target.fields.setdefault(k, v)
                target.htmx = target.htmx or htmx

    for form in doc.find_all("form"):
        fields = form_fields(form)
        method = (form.get("method") or "get").upper()
        record(method, form.get("action") or page_url, fields, False)
        if method == "POST":  # the form's page reads the same fields from its query string
            record("GET", form.get("action") or page_url, fields, False)
        for el in [form, *form.find_all(True)]:
            for attr, verb in (("hx-get", "GET"), ("hx-post", "POST")):
                if el.get(attr):
                    record(verb, el[attr], fields, True)
    for link in doc.find_all("a", href=True):
        if "?" in link["href"]:
            record("GET", link["href"], {}, bool(link.get("hx-get")))


def encode_form(pairs: list[tuple[str, str | bytes]]) -> bytes:
    return urlencode(pairs).encode()


def fill(template: str, ids: dict[str, str], hostile: tuple[str, str | bytes] | None) -> str:
    def one(m: re.Match[str]) -> str:
        if hostile and m.group(1) == hostile[0]:
            value = hostile[1]
            return quote(value, safe="") if m.group(2) != "path" else quote(value, safe="/")
        return quote(ids.get(m.group(1), "x"), safe="")

    return PARAM.sub(one, template)


class ChangeWatch:
    """Triggers on every watched table append the table's name to ``walk_change``."""

    def __init__(self, db: TestDatabase) -> None:
        self.db = db
        self.tables = [
            t._meta.tablename for t in ALL_TABLES if t._meta.tablename not in NOT_WATCHED
        ]
        self.installed = False

    async def _run(self, sql: str) -> Any:
        return await self.db.engine.run_ddl(sql, in_pool=False)

    async def install(self) -> None:
        self.installed = True
        await self._run("CREATE TABLE walk_change (tbl VARCHAR(100))")
        if self.db.backend == "postgres":
            await self._run(
                "CREATE FUNCTION walk_note() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "INSERT INTO walk_change VALUES (TG_TABLE_NAME); RETURN NULL; END $$"
            )
            for t in self.tables:
                await self._run(
                    f'CREATE TRIGGER walk_note AFTER INSERT OR UPDATE OR DELETE ON "{t}" '
                    "FOR EACH ROW EXECUTE FUNCTION walk_note()"
                )
        else:
            for t, op in itertools.product(self.tables, ("INSERT", "UPDATE", "DELETE")):
                await self._run(
                    f'CREATE TRIGGER walk_{t}_{op.lower()} AFTER {op} ON "{t}" '
                    f"BEGIN INSERT INTO walk_change VALUES ('{t}'); END"
                )

    async def changed(self) -> set[str]:
        if not self.installed:
            return set()
        run = self.db.engine.run_ddl
        rows = await run(
            "SELECT tbl FROM walk_change", in_pool=True
        )  # reads: no commit to wait for
        if rows:
            await run("DELETE FROM walk_change", in_pool=True)
        return {r["tbl"] for r in rows or []}

    async def remove(self) -> None:
        self.installed = False
        if self.db.backend == "postgres":
            for t in self.tables:
                await self._run(f'DROP TRIGGER IF EXISTS walk_note ON "{t}"')
            await self._run("DROP FUNCTION IF EXISTS walk_note()")
        else:
            for t, op in itertools.product(self.tables, ("insert", "update", "delete")):
                await self._run(f"DROP TRIGGER IF EXISTS walk_{t}_{op}")
        await self._run("DROP TABLE IF EXISTS walk_change")


@dataclass
class Walker:
    app: Litestar
    anon: httpx.AsyncClient
    member: httpx.AsyncClient
    member_email: str
    watch: ChangeWatch
    ids: dict[str, str]
    staff: httpx.AsyncClient
    tokens: dict[int, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    sent: int = 0
    counter: Iterator[int] = field(default_factory=itertools.count)

    def client_for(self, template: str) -> httpx.AsyncClient:
        if template.startswith("/admin") and not template.startswith(ADMIN_ANONYMOUS):
            return self.staff
        member = template.startswith(("/account", "/auth/logout"))
        return self.member if member else self.anon

    async def refresh(self, client: httpx.AsyncClient) -> None:
        page = await client.get("/auth/login", follow_redirects=True)
        self.tokens[id(client)] = csrf_token(page.text)

    async def send(
        self,
        method: str,
        template: str,
        url: str,
        *,
        what: str,
        body: bytes | None = None,
        content_type: str = "application/x-www-form-urlencoded",
        htmx: bool = False,
    ) -> None:
        client = self.client_for(template)
        headers = {"x-csrftoken": self.tokens[id(client)]}
        if htmx:
            headers["hx-request"] = "true"
        if method == "POST":
            headers["content-type"] = content_type
        self.sent += 1
        try:
            answer = await client.request(method, url, content=body, headers=headers)
        except Exception as exc:  # the app raised through the transport: a 500 for a real client
            self.failures.append(f"{method} {url[:120]} [{what}] raised {exc!r:.200}")
            await self.watch.changed()  # not blamed on the next request
            return
        changed = await self.watch.changed() - WRITES_WHEN_REFUSED.get(template, set())
        if answer.status_code >= 500:
            self.failures.append(f"{method} {url[:120]} [{what}] -> {answer.status_code}")
        elif answer.status_code in REFUSED and changed:
            self.failures.append(
                f"{method} {url[:120]} [{what}] -> {answer.status_code} but wrote {sorted(changed)}"
            )
        if client is self.anon:
            self.anon.cookies.delete("session")  # a checkout that went through signs in
        elif template.startswith(("/auth/logout", "/account/profile/password")):
            await self.restore_member()

    async def restore_member(self) -> None:
        """Sign the subscriber in again with the usual password (a walked request may have
        signed out or changed it), and forget what that wrote."""
        hashed = CHEAP_HASHER.hash(PASSWORD)
        await AccountTable.update({AccountTable.password_hash: hashed}).where(
            AccountTable.email == self.member_email
        )
        self.member.cookies.delete("session")
        assert (await sign_in(self.member, self.member_email)).status_code == 303
        await self.refresh(self.member)
        await self.watch.changed()

    def form(self, defaults: dict[str, str], client: httpx.AsyncClient) -> dict[str, str | bytes]:
        valid = valid_values(next(self.counter))
        values: dict[str, str | bytes] = {
            k: valid[k] if k in FRESH else (v or valid.get(k, v)) for k, v in defaults.items()
        }
        if "next" in values:
            values["next"] = "/account"
        return values

    async def walk(self, method: str, template: str, target: Target) -> None:
        client = self.client_for(template)
        path_params = [m.group(1) for m in PARAM.finditer(template)]
        base_form = self.form(target.fields, client) if method == "POST" else {}

        def body(values: dict[str, str | bytes]) -> bytes:
            token = self.tokens[id(client)]
            return encode_form([*values.items(), ("_csrf_token", token)])

        for param, (name, value) in itertools.product(path_params, HOSTILE.items()):
            url = fill(template, self.ids, (param, value))
            await self.send(method, template, url, what=f"path {param}={name}",
                            body=body(self.form(target.fields, client)) if method == "POST" else None)  # fmt: skip
        url = fill(template, self.ids, None)
        if method == "GET":
            # a query parameter only reads: each value in every parameter at once, and the values
            # a database refuses (NUL, bytes that are not UTF-8, 10 KB) in each one alone
            names = sorted(target.fields)
            together = [n for n in HOSTILE if n != "10KB"] if names else []  # a URL's limit
            for name, value in ((n, HOSTILE[n]) for n in together):
                query = encode_form([(q, value) for q in names]).decode()
                await self.send(method, template, f"{url}?{query}", what=f"query *={name}",
                                htmx=target.htmx)  # fmt: skip
            for q, name in itertools.product(names, READ_BREAKERS):
                query = encode_form([(q, HOSTILE[name])]).decode()
                await self.send(method, template, f"{url}?{query}", what=f"query {q}={name}",
                                htmx=target.htmx)  # fmt: skip
            return
        for f, (name, value) in itertools.product(sorted(base_form), HOSTILE.items()):
            values = {**self.form(target.fields, client), f: value}
            await self.send(method, template, url, what=f"form {f}={name}", body=body(values),
                            htmx=target.htmx)  # fmt: skip
        text_form = {k: v for k, v in base_form.items() if isinstance(v, str)}
        await self.send(method, template, url, what="json body", body=json.dumps(text_form).encode(),
                        content_type="application/json")  # fmt: skip
        await self.send(method, template, url, what="2 MB body",
                        body=body({**base_form, "filler": "x" * 2_000_000}))  # fmt: skip
        twice = [*base_form.items(), *base_form.items()]
        await self.send(method, template, url, what="every field twice",
                        body=encode_form([*twice, ("_csrf_token", self.tokens[id(client)])]))  # fmt: skip
        await self.send(method, template, url, what="multipart", body=b"--x\r\n\r\n",
                        content_type="multipart/form-data; boundary=x")  # fmt: skip


SUB = "/account/subscriptions/{subscription_id:str}"
FORMS_NOT_SHOWN: dict[str, dict[str, str]] = {
    "/auth/logout": {},  # a button in the portal's menu
    "/auth/logout-everywhere": {},
    "/api/v1/webhooks/{gateway:str}": {"payload": "{}"},  # the gateway posts JSON
    "/auth/reset/{token:str}": {"password": ""},  # the e-mailed links
    "/auth/magic/{token:str}": {"next": "/account"},
    "/pay/confirm/{payment_ref:str}": {"return": "/checkout/complete/x"},  # a bank's check
    f"{SUB}/retention-coupon": {},  # a retention offer configured
    f"{SUB}/pause": {"periods": "1", "until": ""},  # an active subscription
    f"{SUB}/resume": {},  # a paused one
    f"{SUB}/uncancel": {},  # a cancellation scheduled
    f"{SUB}/scheduled-change/cancel": {},  # a change scheduled
    f"{SUB}/addons/{{code:str}}": {"quantity": "1", "quote": ""},  # an add-on that fits the plan
    # the staff admin's forms, shown to a staff session (walked anonymously: the sign-in steps get
    # every hostile value; the guarded form answers the sign-in redirect before parsing anything)
    "/admin/login/code": {"code": "", "next": "/admin"},
    "/admin/api-keys/{key_id:str}/revoke": {"confirm": "yes"},  # shown once a key exists
    "/admin/enrol": {"code": "", "next": "/admin"},
    "/admin/welcome/{token:str}": {"password": ""},
    "/admin/logout": {},
    "/admin/staff/{staff_id:str}/disable": {"reason": "", "confirm": ""},
    "/admin/staff/{staff_id:str}/enable": {"reason": ""},
    "/admin/staff/{staff_id:str}/role": {"role": "viewer", "reason": "", "confirm": ""},
    "/admin/staff/{staff_id:str}/reset-two-factor": {"reason": "", "confirm": ""},
    "/admin/account/recovery-codes": {"code": ""},
    "/admin/staff": {"email": "", "name": "", "role": "support", "password": ""},
    "/admin/customers/{customer_id:str}/notes": {"body": ""},
    "/admin/customers/{customer_id:str}/view-as": {},
    "/admin/customers/{customer_id:str}/view-as/exit": {},  # the portal's banner, while viewing
    "/admin/dunning": {"agreement": ""},  # the confirm button of a previewed change
    "/admin/tax-rates/{rate_id:str}/archive": {"confirm": ""},  # a rate's row (none here)
    # a plan with an older version that has subscribers (the demo plans have one version)
    "/admin/catalog/plans/{code:str}/migrations/new": {
        "from": "",
        "to": "",
        "effective_on": "",
        "notice_days": "",
        "confirm": "",
        "preview": "",
    },
    "/admin/catalog/plans/{code:str}/migrations/{migration_id:str}/cancel": {},  # a scheduled one
    # shown once the catalog has features (the walker's demo catalog has none)
    "/admin/catalog/features/{key:str}": {"name": ""},
    "/admin/catalog/plans/{code:str}/features": {
        "feature": "",
        "limit_kind": "",
        "limit_value": "",
    },
    "/admin/catalog/plans/{code:str}/features/{key:str}/remove": {},
    "/admin/jobs/{job_id:str}/retry": {"reason": ""},  # a dead job's page
    "/admin/jobs/{job_id:str}/discard": {"reason": "", "confirm": ""},
    "/admin/emails/{email_id:str}/resend": {"reason": ""},  # shown to billing and owners
    # an outbound webhook endpoint's page (none here) and a finished delivery's
    "/admin/webhook-endpoints/{endpoint_id:str}": {
        "url": "",
        "description": "",
        "event_types": "",
        "all_events": "",
    },
    "/admin/webhook-endpoints/{endpoint_id:str}/enable": {},
    "/admin/webhook-endpoints/{endpoint_id:str}/disable": {},
    "/admin/webhook-endpoints/{endpoint_id:str}/rotate-secret": {},
    "/admin/webhook-endpoints/deliveries/{delivery_id:str}/replay": {},
    # an uploaded CRM import's mapping (dry run) and start forms
    "/admin/imports/{import_id:str}/check": {
        "map-external_id": "",
        "map-email": "",
        "subscriptions": "",
    },
    "/admin/imports/{import_id:str}/start": {},
}


def seeds(ids: dict[str, str]) -> list[str]:
    """Pages that show a form only in a certain state (a quote to confirm, a reason given)."""
    sub = f"/account/subscriptions/{ids['subscription_id']}"
    return [
        f"{sub}/change?plan=team&quantity=3",
        f"{sub}/cancel?reason=too_expensive",
    ]


async def _test_clock(app: Litestar, clock: FrozenClock) -> TestClock:
    runtime = app.state.runtime
    return await create_test_clock(
        "walked", frozen_at=clock.now(), uow=runtime.uow(), clock=clock, gateway=runtime.gateway
    )


async def test_hostile_values_in_every_field_of_every_route_never_answer_5xx(
    app: Litestar, catalog: TestDatabase, clock: FrozenClock
) -> None:
    watch = ChangeWatch(catalog)
    async with (
        serve(app) as anon,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=str(anon.base_url)
        ) as member,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=str(anon.base_url)
        ) as staff,
    ):
        a = await make_subscriber(app, clock, email="ada@example.com", name="Ada A")
        await fail_next_renewal(app, clock, a)  # an open invoice, a second card
        secret = await _email_change_secret(app, clock, a)
        owner = await make_staff(app.state.runtime.uow, clock, role="owner", email="o@example.com")
        async with app.state.runtime.uow() as uow:  # a coupon's page shows the code forms
            await add_promotion(uow, "HOSTILE", CouponDuration.ONCE, percent_off=Decimal(5))
            await uow.commit()
        assert (
            await admin_sign_in(staff, owner, clock)
        ).status_code == 303  # after the clock moved
        ids = {
            "invoice_id": a.invoice_ids[-1],
            "credit_note_id": a.credit_note_id or "",
            "method_id": a.card_ids[0],
            "secret": secret,
            "token": "t" * 32,
            "subscription_id": a.subscription_id,
            "plan_code": "team-monthly",
            "code": "team-monthly",
            "payment_ref": "pay_unknown",
            "gateway": app.state.runtime.gateway.name,
            "slug": "oidc",
            "email_id": (await outbox_emails(app, to="ada@"))[-1].id,
            "job_id": "x",
            "customer_id": a.customer_id,
            "action": "invoice.refund",
            "target_id": a.invoice_ids[0],  # paid: the refund's form shows
            "staff_id": owner.id,
            "clock_id": (await _test_clock(app, clock)).id,  # its page shows the clock's forms
            "coupon_id": "HOSTILE",
            "code_id": "promo-hostile",
            "key": "seats",  # a feature's lookup key
        }
        walker = Walker(app, anon, member, "ada@example.com", watch, ids, staff)
        await walker.refresh(staff)
        await walker.refresh(anon)
        await walker.restore_member()

        routes = walked_routes(app)
        found: dict[tuple[str, str], Target] = {}
        pages = [(t, fill(t, ids, None)) for m, t in routes if m == "GET"]
        for template, url in [*pages, *(("/account", u) for u in seeds(ids))]:
            page = await walker.client_for(template).get(url, follow_redirects=True)
            if "html" in page.headers.get("content-type", ""):
                discover(page.text, str(page.url), routes, found)
        # a POST route no page has a form for would be walked without its fields: its form
        # (shown in a state this subscriber is not in, or with an e-mailed link) is listed here
        without_form = {t for m, t in routes if m == "POST"} - {t for m, t in found if m == "POST"}
        assert without_form <= set(FORMS_NOT_SHOWN), without_form
        for template, fields in FORMS_NOT_SHOWN.items():
            found.setdefault(("POST", template), Target(dict(fields)))
        ids["secret"] = "s" * 43  # confirming the e-mail change would change whom we sign in as
        await watch.install()
        try:
            for method, template in routes:
                target = found.get((method, template)) or Target()
                if method == "GET":
                    target.fields.update(
                        dict.fromkeys(
                            declared_query(app, method, template) - set(target.fields), ""
                        )
                    )
                await walker.walk(method, template, target)
        finally:
            await watch.remove()
        still = await staff.get("/admin")
        assert still.status_code == 200, "the walker's owner was signed out"
    assert walker.sent > 1000, walker.sent
    assert not walker.failures, f"{len(walker.failures)} of {walker.sent}:\n" + "\n".join(
        walker.failures[:80]
    )
