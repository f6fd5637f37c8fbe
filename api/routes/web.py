"""The playground page at /: static files shipped inside the package, no build step, nothing external."""

from importlib import resources

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

router = APIRouter(include_in_schema=False)

_FILES = {
    "playground.js": "text/javascript; charset=utf-8",
    "playground.css": "text/css; charset=utf-8",
}
# The page may talk to this service only: no CDN, no fonts, no analytics, no inline script.
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _read(name: str) -> bytes:
    return resources.files("api.web").joinpath(name).read_bytes()


@router.get("/")
def playground() -> Response:
    return Response(_read("index.html"), media_type="text/html; charset=utf-8", headers=_HEADERS)


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    if name not in _FILES:
        raise HTTPException(status_code=404)
    return Response(_read(name), media_type=_FILES[name], headers={**_HEADERS, "Cache-Control": "no-cache"})
