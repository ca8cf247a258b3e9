"""The browser tests' accessibility check: ``await check_a11y(page)`` on every page a test visits.

It runs axe-core (vendored, pinned: ``static/vendor/axe-core-<version>/``) on the page as it is
now, with the WCAG 2.x A and AA rules, and fails on any *serious* or *critical* violation, naming
the rule and each offending node. It also measures what axe does not: the border of every visible
text field, select and checkbox against the background around it (WCAG 1.4.11, 3:1).

The page's CSP stays in force: axe is evaluated through Playwright (DevTools), never linked from
a page. A page opened with JavaScript disabled is checked from its markup in a second, scripted
page of the same browser (same address, stylesheet and viewport), so no-JS journeys are covered
too. Usage::

    from tests.e2e.a11y import check_a11y

    await page.goto(server + "/pricing")
    await check_a11y(page)                      # fails the test with a readable report
    await check_a11y(page, include="#pricing")  # only part of the page
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import weakref
from functools import cache
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext, Page

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "static" / "vendor" / "axe-core-4.14.1" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
FAILING_IMPACTS = ("serious", "critical")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
MIN_CONTROL_CONTRAST = 3.0

_RUN = """async ([include, tags]) => {
  // measure the page at rest: htmx's swap and settle classes gone, fades and dims finished
  const busy = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added";
  for (let i = 0; i < 100 && document.querySelector(busy); i++)
    await new Promise(done => setTimeout(done, 30));
  await Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)));
  const result = await axe.run(include ? document.querySelector(include) : document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 160),
                              summary: (n.failureSummary || "").replace(/\\s+/g, " ")})),
  }));
}"""

# WCAG 1.4.11: a control's boundary (its border) against what is around it, 3:1
_CONTROL_BORDERS = """(minimum) => {
  const rgb = s => { const m = s.match(/[\\d.]+/g) || []; return m.map(Number); };
  const lum = ([r, g, b]) => { const f = c => { c /= 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05); };
  const around = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      const c = rgb(getComputedStyle(p).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3); }
    return [255, 255, 255]; };
  const out = [];
  const controls = document.querySelectorAll(
    "input:not([type=hidden]):not([type=radio]):not([type=submit]):not([type=button]), select, textarea");
  for (const el of controls) {
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === "hidden" || el.closest("[hidden]")) continue;
    if (parseFloat(style.borderTopWidth) < 1 || style.borderTopStyle === "none") continue;
    const border = rgb(style.borderTopColor).slice(0, 3), bg = around(el);
    const own = rgb(style.backgroundColor);
    const fill = own.length === 3 || (own.length === 4 && own[3] > 0.9) ? own.slice(0, 3) : bg;
    const best = Math.max(ratio(border, bg), ratio(fill, bg));
    if (best < minimum) out.push({target: (el.id ? "#" + el.id : el.tagName.toLowerCase() +
      (el.name ? `[name=${el.name}]` : "")), ratio: Math.round(best * 100) / 100,
      border: style.borderTopColor});
  }
  return out;
}"""


@cache
def axe_source() -> str:
    source = AXE.read_bytes()
    digest = hashlib.sha256(source).hexdigest()
    assert digest == AXE_SHA256, f"{AXE} is not the vendored file (sha256 {digest})"
    return source.decode()


async def violations(page: Page, include: str | None = None) -> list[dict[str, Any]]:
    """axe's WCAG A/AA violations on ``page`` now (every impact), plus control borders under
    3:1 as ``control-border-contrast`` (serious)."""
    if not await _scripting_enabled(page):
        return await _via_scripted_copy(page, include)
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(axe_source())
    found: list[dict[str, Any]] = await page.evaluate(_RUN, [include, TAGS])
    weak = await page.evaluate(_CONTROL_BORDERS, MIN_CONTROL_CONTRAST)
    if weak:
        found.append(
            {
                "id": "control-border-contrast",
                "impact": "serious",
                "help": f"Form controls need a {MIN_CONTROL_CONTRAST}:1 boundary (WCAG 1.4.11)",
                "helpUrl": "https://www.w3.org/WAI/WCAG22/Understanding/non-text-contrast",
                "nodes": [
                    {
                        "target": w["target"],
                        "html": "",
                        "summary": f"{w['ratio']}:1 ({w['border']})",
                    }
                    for w in weak
                ],
            }
        )
    return found


async def check_a11y(page: Page, *, include: str | None = None) -> None:
    """Fail on serious or critical accessibility violations on ``page`` (see the module doc)."""
    found = [v for v in await violations(page, include) if v["impact"] in FAILING_IMPACTS]
    if found:
        raise AssertionError(f"accessibility violations on {page.url}:\n{report(found)}")


def report(found: list[dict[str, Any]]) -> str:
    lines = []
    for v in found:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:8]:
            lines.append(f"    {node['target']}  {node['html']}")
            if node["summary"]:
                lines.append(f"      {node['summary'][:300]}")
        if len(v["nodes"]) > 8:
            lines.append(f"    ... and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


_SCRIPTED: weakref.WeakKeyDictionary[BrowserContext, bool] = weakref.WeakKeyDictionary()


async def _scripting_enabled(page: Page) -> bool:
    """Whether the page's context runs scripts. Playwright does not say; DevTools still evaluates
    in a context with ``java_script_enabled=False`` but its timers never fire, so axe would wait
    for ever. Asked once per context: does a zero-delay timer fire within 5 s?"""
    if page.context not in _SCRIPTED:
        timer = "new Promise(done => setTimeout(() => done(true), 0))"
        try:
            _SCRIPTED[page.context] = bool(await asyncio.wait_for(page.evaluate(timer), 5))
        except TimeoutError:
            _SCRIPTED[page.context] = False
    return _SCRIPTED[page.context]


async def _via_scripted_copy(page: Page, include: str | None) -> list[dict[str, Any]]:
    """The no-JS page's markup, loaded into a scripted page at the same address and size."""
    # what a browser without scripts shows: <noscript> content is markup, not text
    html = re.sub(r"<(/?)noscript\b", r"<\1span data-noscript", await page.content())
    browser = page.context.browser
    assert browser is not None
    viewport = page.viewport_size or {"width": 1280, "height": 900}
    context = await browser.new_context(viewport=viewport, java_script_enabled=True)
    try:
        copy = await context.new_page()
        url = page.url

        async def serve_markup(route: Any) -> None:
            await route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

        await copy.route(lambda u: u == url, serve_markup)
        # scripts would change the markup under test: block them, keep the stylesheet
        await copy.route("**/*.js", lambda route: route.abort())
        await copy.goto(url)
        return await violations(copy, include)
    finally:
        await context.close()
