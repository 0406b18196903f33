"""`Idempotency-Key` on every API POST: the same key and body get the first answer and create nothing new; the
same key with another body gets 409. Keys are per caller (the signed-in person or the token) and expire after
`IDEMPOTENCY_KEY_HOURS`. A request with a key runs in one transaction with its key and its stored answer (on
SQLite it holds the write lock for the whole request).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from kinward.apps.core.models import IdempotencyRecord

API_PREFIX = "/api/"
HEADER = "HTTP_IDEMPOTENCY_KEY"

# Apps whose first answer holds a secret shown once (a tip's receipt code) register a redactor for their path:
# what is stored for replay is the redacted answer, never the secret.
_REPLAY_REDACTORS: list[tuple[str, Callable[[bytes], bytes]]] = []


def register_replay_redactor(path_prefix: str, redact: Callable[[bytes], bytes]) -> None:
    """Store answers to POSTs under `path_prefix` only after `redact` has taken secrets out of them."""
    if (path_prefix, redact) not in _REPLAY_REDACTORS:
        _REPLAY_REDACTORS.append((path_prefix, redact))


def _stored_body(path: str, body: bytes) -> bytes:
    for prefix, redact in _REPLAY_REDACTORS:
        if path.startswith(prefix):
            body = redact(body)
    return body


def _principal(request: HttpRequest) -> str:
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    if authorization:
        return "token:" + hashlib.sha256(authorization.encode()).hexdigest()[:40]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "anonymous"


def _conflict(message: str) -> JsonResponse:
    return JsonResponse({"code": "idempotency_conflict", "message": message, "errors": []}, status=409)


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.META.get(HEADER, "").strip()
        if request.method != "POST" or not key or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if len(key) > 200:
            return JsonResponse(
                {"code": "bad_request", "message": "Idempotency-Key is longer than 200 characters", "errors": []},
                status=400,
            )
        principal = _principal(request)
        body_hash = hashlib.sha256(request.path.encode() + b"\n" + request.body).hexdigest()
        existing = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
        if existing is not None:
            return self._replay(existing, body_hash)
        try:
            # The key, what the request writes and its answer commit together: a server killed before the
            # commit has written nothing (the client's retry with the key is processed anew), and one killed
            # after it has the answer stored (the retry replays it). A concurrent request with the same key waits
            # for this one's commit on the key's unique index, then replays.
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    principal=principal, key=key, method="POST", path=request.path, body_hash=body_hash
                )
                response = self.get_response(request)
                if response.status_code >= 500 or response.status_code in (401, 403, 429):
                    # Not a final answer: let the client try again with the same key.
                    record.delete()
                    return response
                record.status_code = response.status_code
                record.content_type = response.get("Content-Type", "")
                record.response_body = _stored_body(request.path, bytes(response.content))
                record.save(update_fields=["status_code", "content_type", "response_body"])
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
            if existing is None:  # the view's own write failed; the answer was not stored
                raise
            return self._replay(existing, body_hash)
        return response

    @staticmethod
    def _replay(record: IdempotencyRecord, body_hash: str) -> HttpResponse:
        if record.body_hash != body_hash:
            return _conflict("this Idempotency-Key was already used with a different request body")
        if record.status_code is None:
            return _conflict("a request with this Idempotency-Key is still being processed; retry shortly")
        response = HttpResponse(bytes(record.response_body or b""), status=record.status_code,
                                content_type=record.content_type or "application/json")
        response["Idempotent-Replayed"] = "true"
        return response


def idempotency_prune(hours: int) -> int:
    """Forget keys older than `hours` (scheduled daily)."""
    cutoff = timezone.now() - timedelta(hours=hours)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted

