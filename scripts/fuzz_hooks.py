"""Schemathesis hooks for scripts/fuzz.sh.

Two rejections are documented in the OpenAPI descriptions but cannot be written in JSON Schema,
so Schemathesis counts them as "schema-valid request rejected" (ST202). Only those exact 422s
are dropped, each after checking the request really is such a case; every other failure stays.
The run's summary shows how many were dropped by `filter_failure`.
  1. Passwords are limited to 72 bytes of UTF-8 (bcrypt's limit), but `maxLength` counts
     characters: 72 non-ASCII characters are schema-valid and still too long.
  2. An Idempotency-Key reused with a different body is 422 (SPEC), which depends on an
     earlier request, not on the schema.
  3. A list's `cursor` is opaque: only one the service issued for that list is accepted, and
     never together with `page` (the operation's description says so); any other string is
     schema-valid and 422.
"""

import json
import os

import schemathesis

MAX_PASSWORD_BYTES = 72


def _errors(response):
    try:
        problem = json.loads(response.text)
    except (ValueError, TypeError, AttributeError):
        return None
    errors = problem.get("errors") if isinstance(problem, dict) else None
    return errors if isinstance(errors, list) else None


def _password_too_long(case, errors):
    body = case.body if isinstance(case.body, dict) else {}
    password = body.get("password")
    return (
        isinstance(password, str)
        and len(password.encode("utf-8", "surrogatepass")) > MAX_PASSWORD_BYTES
        and errors == [{"path": "body.password", "message": f"at most {MAX_PASSWORD_BYTES} bytes"}]
    )


def _idempotency_key_reused(case, errors):
    return case.operation.path == "/orders" and errors == [
        {"path": "Idempotency-Key", "message": "reused with a different body"}
    ]


CURSOR_PROBLEMS = {
    "use either page or cursor, not both",
    "The cursor is malformed.",
    "The cursor was not issued by this service.",
    "The cursor belongs to another user's list.",
}


def _cursor_not_issued(case, errors):
    return (
        case.operation.path == "/orders/user/{user_id}"
        and "cursor" in (case.query or {})
        and len(errors) == 1
        and errors[0].get("path") == "query.cursor"
        and errors[0].get("message") in CURSOR_PROBLEMS
    )


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if getattr(failure, "code", None) != "ST202" or response.status_code != 422:
        return True
    errors = _errors(response)
    if errors is None:
        return True
    reason = (
        "password over 72 bytes" if _password_too_long(case, errors)
        else "Idempotency-Key reused with another body" if _idempotency_key_reused(case, errors)
        else "a cursor the service did not issue, or with page" if _cursor_not_issued(case, errors)
        else None
    )
    if reason and os.environ.get("FUZZ_DROPPED_LOG"):
        with open(os.environ["FUZZ_DROPPED_LOG"], "a", encoding="utf-8") as log:
            log.write(f"{case.method} {case.operation.path}: {reason}\n")
    return reason is None
