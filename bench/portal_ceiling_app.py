"""The ceiling for ``bench.portal_pages``: one Litestar route rendering one Jinja2 template of
about an invoice list's shape (a table of 25 rows), with no database, session or middleware;
served by the same uvicorn settings as the real app.

    uvicorn bench.portal_ceiling_app:app
"""

from __future__ import annotations

from jinja2 import DictLoader, Environment, select_autoescape
from litestar import Litestar, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }}</title><link rel="stylesheet" href="/app.css"></head>
<body>
  <h1>{{ title }}</h1>
  <table class="table">
  <thead><tr><th>Number</th><th>Date</th><th>Status</th><th>Total</th></tr></thead>
  <tbody>
  {% for row in rows %}
    <tr><td><a href="/account/invoices/{{ row.id }}">{{ row.number }}</a></td><td>{{ row.date }}</td>
        <td><span class="badge">{{ row.status }}</span></td><td>{{ row.total }}</td></tr>
  {% endfor %}
  </tbody>
  </table>
</body>
</html>
"""

ROWS = [
    {"id": f"inv-{n}", "number": f"INV-2026-{n:06d}", "date": "Nov 25, 2026", "status": "Paid",
     "total": "$40.00"}
    for n in range(25)
]  # fmt: skip


@get("/", sync_to_thread=False)
def index() -> Template:
    return Template(template_name="page.html", context={"title": "Invoices", "rows": ROWS})


environment = Environment(
    loader=DictLoader({"page.html": PAGE}), autoescape=select_autoescape(["html"])
)
app = Litestar(
    route_handlers=[index],
    template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment)),
)
