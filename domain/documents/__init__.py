"""Documents: the printable invoice (a view built from an issued invoice), rendered and stored."""
