"""HTTP headers that hold on every page: a strict Content-Security-Policy and friends."""

from __future__ import annotations

from flask import Response, current_app, g, request

#: No inline script or style anywhere; everything comes from this host.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
#: plotly.js injects a <style> element and inline styles, so chart pages allow them.
CSP_CHARTS = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


#: Nothing a browser or device does not need: no camera, microphone, location, payment or sensors.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)
#: Staff pages and exports show answers and accounts: no cache on the way, or on a shared computer, keeps one.
STAFF_CACHE_CONTROL = "private, no-store"
STAFF_BLUEPRINTS = frozenset({"organiser", "evaluator", "admin", "auth", "tokens", "api"})
#: A year, once the service is served over HTTPS only (SURVEY_SECURE_COOKIES=1).
HSTS = "max-age=31536000"


def allow_chart_styles() -> None:
    """Call from a view whose page draws Plotly charts."""
    g.csp = CSP_CHARTS


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", g.get("csp", CSP))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if current_app.config["SESSION_COOKIE_SECURE"]:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.blueprint in STAFF_BLUEPRINTS:
        response.headers["Cache-Control"] = STAFF_CACHE_CONTROL
    return response
