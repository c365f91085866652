"""The security headers of the hosted checkout's answers: a Content-Security-Policy that allows
scripts, styles, images and fetches from orderdesk only (no inline script or style) and lets
any site frame the page (the shop's checkout page mounts it), no MIME sniffing. A loader
script is fetched by the shop's page from another origin: it is sent with CORS allowed."""

from __future__ import annotations

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'none'",
        "base-uri 'none'",
        "frame-ancestors *",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

LOADER_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Access-Control-Allow-Origin": "*",
    "Cache-Control": "no-cache",
}
