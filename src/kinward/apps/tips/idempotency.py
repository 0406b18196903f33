"""Keep the receipt code out of the idempotency store.

The API's idempotency middleware (kinward.apps.core.idempotency) keeps the first answer to every POST that
carries an `Idempotency-Key`, to replay it. For a tip that answer holds the receipt code, which must never be
stored in clear. The tips app registers this redactor with the middleware, so the code is taken out of the
stored answer: a repeated request still creates no second tip, and its answer says that the code was shown
only in the first one.
"""

from __future__ import annotations

import json

REPLAYED_MESSAGE = (
    "This tip was already received. Its receipt code was shown only in the first answer and is "
    "not kept anywhere."
)


def redact_receipt_code(body: bytes) -> bytes:
    """The tip-line answer as stored for replay: any `receipt_code` blanked, with a message saying why."""
    try:
        answer = json.loads(body)
    except ValueError:
        return body
    if isinstance(answer, dict) and answer.get("receipt_code"):
        answer["receipt_code"] = ""
        answer["message"] = REPLAYED_MESSAGE
        return json.dumps(answer).encode()
    return body
