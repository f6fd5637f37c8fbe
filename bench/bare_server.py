"""The baseline server: fastapi and uvicorn with one trivial endpoint, nothing from the application."""

import argparse

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel


class BareBody(BaseModel):
    text: str


app = FastAPI()


@app.post("/bench/bare")
async def bare(body: BareBody) -> dict[str, bool]:
    return {"ok": True}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="info", access_log=False)


if __name__ == "__main__":
    main()
