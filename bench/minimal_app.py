"""The ceiling for ``bench.http_pages``: a minimal Litestar app with one route that renders one
Jinja2 template, served by the same uvicorn settings as the real app. No database, middleware,
sessions, CSRF or htmx plugin: what any server-rendered Litestar page costs at the least.

    uvicorn bench.minimal_app:app
"""

from __future__ import annotations

from jinja2 import DictLoader, Environment, select_autoescape
from litestar import Litestar, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

# about the shape of a small pricing page: a layout, a loop of cards, a little escaping
PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }}</title><link rel="stylesheet" href="/app.css"></head>
<body>
  <h1>{{ title }}</h1>
  <div class="plan-grid">
  {% for plan in plans %}
    <article class="plan-card" data-plan="{{ plan.code }}">
      <h2>{{ plan.name }}</h2>
      <p class="price">{{ plan.price }} <span>/ month</span></p>
      <ul>{% for feature in plan.features %}<li>{{ feature }}</li>{% endfor %}</ul>
      <a class="btn" href="/checkout/{{ plan.code }}?currency=USD&amp;quantity=1">Choose {{ plan.name }}</a>
    </article>
  {% endfor %}
  </div>
</body>
</html>
"""

PLANS = [
    {
        "code": code,
        "name": name,
        "price": price,
        "features": ["Hosted checkout", "Customer portal", "E-mail support", "Invoices & receipts"],
    }
    for code, name, price in (
        ("starter-monthly", "Starter", "$19.00"),
        ("team-monthly", "Team", "$12.00"),
        ("scale-monthly", "Scale", "$99.00"),
    )
]


@get("/", sync_to_thread=False)
def index() -> Template:
    return Template(template_name="page.html", context={"title": "Pricing", "plans": PLANS})


environment = Environment(
    loader=DictLoader({"page.html": PAGE}), autoescape=select_autoescape(["html"])
)
app = Litestar(
    route_handlers=[index],
    template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment)),
)
