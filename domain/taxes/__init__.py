"""Tax rates as data: the rates staff keep per country and region (``rates.py``), the admin's
use cases on them (``admin.py``) and the rates a demo install ships (``demo.py``). Which rate an
invoice uses is ``domain/pricing/tax_policy.py``'s rule."""
