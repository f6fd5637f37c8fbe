from fastapi import APIRouter, Response

from api.observability import metrics_body

router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text exposition format."}})
def metrics() -> Response:
    """Prometheus metrics: requests, latency, engines, verdicts, model calls, tokens, cost, cache hits,
    degraded answers, refusals and whether Redis answers. No label holds anything a user sent."""
    body, content_type = metrics_body()
    return Response(body, media_type=content_type)
