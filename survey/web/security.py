"""HTTP headers that hold on every page: a strict Content-Security-Policy and friends."""

from __future__ import annotations

from flask import Response, g

#: No inline script or style anywhere; everything comes from this host.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
#: plotly.js injects a <style> element and inline styles, so chart pages allow them.
CSP_CHARTS = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


def allow_chart_styles() -> None:
    """Call from a view whose page draws Plotly charts."""
    g.csp = CSP_CHARTS


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", g.get("csp", CSP))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response
