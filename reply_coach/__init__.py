"""A small typed client for the Reply Coach API (sync and async, over httpx).

    from reply_coach import Client
    with Client("http://127.0.0.1:8000", api_key=None) as coach:
        scores = coach.score("Fine. Thanks for wasting my time.", critiques=True)
        result = coach.coach("Fine.", context={"recipient_name": "Dana"})

Answers are the API's JSON, typed by reply_coach.types (generated from openapi.yaml). Every error
the API returns is raised as ReplyCoachError carrying its envelope (status, code, message, field).
"""

from reply_coach.client import AsyncClient, Client, ReplyCoachError

__all__ = ["AsyncClient", "Client", "ReplyCoachError"]
