"""The pages' files from `server/static`, served with a policy that keeps them self-contained.

The playground and the inbox are plain HTML, CSS and JavaScript with no build step; each
page loads nothing from outside the app, which its Content-Security-Policy makes the
browser enforce, so a message that slipped past the page's escaping still runs nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from importlib.resources import files

from fastapi import HTTPException, Response, status

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def shipped(name: str, names: Collection[str]) -> Response:
    """`name` if it is one of the page's own `names`; 404 otherwise, so no path is followed."""
    if name not in names:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such asset")
    return asset_response(name)


def asset_response(name: str) -> Response:
    """One shipped file by its name (the caller checks the name is one of its own)."""
    body = files("server").joinpath("static", name).read_bytes()
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    if name.endswith(".html"):
        headers["Content-Security-Policy"] = PAGE_POLICY
        headers["Referrer-Policy"] = "no-referrer"
    suffix = name[name.rfind(".") :]
    return Response(body, media_type=MEDIA_TYPES[suffix], headers=headers)
