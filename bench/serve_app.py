"""The real application plus a bare endpoint, served the way `reply-coach serve` serves it.

Both routes share one process, one event loop and one uvicorn configuration, so the only
difference between them is the work the route itself does.
"""

import argparse

import uvicorn
from pydantic import BaseModel

from api.app import create_app
from api.settings import get_settings


class BareBody(BaseModel):
    text: str


def build_app():
    app = create_app(get_settings())

    @app.post("/bench/bare")
    async def bare(body: BareBody) -> dict[str, bool]:
        return {"ok": True}

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # Same arguments as api.cli._serve.
    uvicorn.run(build_app(), host="127.0.0.1", port=args.port, log_level="info", access_log=False)


if __name__ == "__main__":
    main()
