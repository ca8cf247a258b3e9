"""Sign in at the test OpenID Connect provider without a browser.

``await sign_in(client, authorization_url, login="alice")`` follows the provider's redirects with
``client`` (an ``httpx.AsyncClient``; its cookie jar carries the provider's session), fills in the
development login form (any login id, any password), presses the consent form's one button, and
stops at the redirect back to the app: it returns that callback URL (``...?code=...&state=...``)
without requesting it, so nothing has to listen on the redirect URI. ``cancel=True`` presses the
consent page's "Cancel" link instead, which comes back with ``error=access_denied``.

The forms are read from the HTML (action, method, hidden inputs); only the field names of the
development login form (``login``, ``password``) are assumed.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
from bs4 import BeautifulSoup, Tag

MAX_STEPS = 20


class ProviderPageError(AssertionError):
    """The provider showed something the driver does not know how to get past."""


def _same_endpoint(url: str, redirect_uri: str) -> bool:
    a, b = urlsplit(url), urlsplit(redirect_uri)
    return (a.scheme, a.netloc, a.path) == (b.scheme, b.netloc, b.path)


def _redirect_uri_of(authorization_url: str) -> str:
    values = parse_qs(urlsplit(authorization_url).query).get("redirect_uri")
    if not values:
        raise ValueError("the authorization URL has no redirect_uri; pass redirect_uri=")
    return values[0]


def _form_fields(form: Tag, login: str, password: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for element in form.find_all(["input", "select", "textarea"]):
        name = element.get("name")
        if not isinstance(name, str) or element.has_attr("disabled"):
            continue
        kind = str(element.get("type", "text")).lower()
        if kind in {"submit", "button", "image", "reset"}:
            continue
        if kind in {"checkbox", "radio"} and not element.has_attr("checked"):
            continue
        value = element.get("value", "")
        fields[name] = value if isinstance(value, str) else ""
    if "login" in fields:
        fields["login"] = login
    if "password" in fields:
        fields["password"] = password
    return fields


async def sign_in(
    client: httpx.AsyncClient,
    authorization_url: str,
    *,
    login: str,
    password: str = "any password",
    redirect_uri: str | None = None,
    cancel: bool = False,
    max_steps: int = MAX_STEPS,
) -> str:
    """Walk the provider from ``authorization_url`` to the redirect back to ``redirect_uri``.

    ``redirect_uri`` defaults to the one in the authorization URL. Returns the callback URL with
    its query (``code``, ``state``, ``iss``; or ``error``). Raises :class:`ProviderPageError`
    with the page's text when the provider shows an error or an unknown page.
    """
    target = redirect_uri or _redirect_uri_of(authorization_url)
    request = client.build_request("GET", authorization_url)
    for _ in range(max_steps):
        response = await client.send(request, follow_redirects=False)
        url = str(response.url)
        if response.is_redirect:
            location = urljoin(url, response.headers["location"])
            if _same_endpoint(location, target):
                return location
            request = client.build_request("GET", location)
            continue
        page = BeautifulSoup(response.text, "html.parser")
        if response.status_code != 200:
            raise ProviderPageError(
                f"{response.status_code} from {url}: {page.get_text(' ', strip=True)[:500]}"
            )
        form = page.find("form")
        if not isinstance(form, Tag):
            raise ProviderPageError(f"no form at {url}: {page.get_text(' ', strip=True)[:500]}")
        fields = _form_fields(form, login, password)
        if cancel and "login" not in fields:  # the consent page: leave through "Cancel"
            link = page.find("a", string=lambda text: bool(text) and "cancel" in text.lower())
            if not isinstance(link, Tag) or not isinstance(link.get("href"), str):
                raise ProviderPageError(f"no Cancel link at {url}")
            request = client.build_request("GET", urljoin(url, str(link["href"])))
            continue
        action = urljoin(url, str(form.get("action") or url))
        if _same_endpoint(action, target):  # response_mode=form_post: the form goes to the app
            raise ProviderPageError(
                "form_post responses are not supported; use response_mode=query"
            )
        method = str(form.get("method") or "get").upper()
        if method == "POST":
            request = client.build_request("POST", action, data=fields)
        else:
            request = client.build_request("GET", action, params=fields)
    raise ProviderPageError(f"no redirect to {target} within {max_steps} steps")


def callback_params(callback_url: str) -> dict[str, str]:
    """The query of a callback URL as a flat dict."""
    return {key: values[0] for key, values in parse_qs(urlsplit(callback_url).query).items()}
