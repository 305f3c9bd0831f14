"""Schemathesis hooks for scripts/fuzz.sh.

Four rejections are documented in the OpenAPI descriptions but cannot be written in JSON
Schema, so Schemathesis counts them as "schema-valid request rejected" (ST202). Only those exact
answers are dropped, each after checking the request really is such a case; every other failure
stays. The run's summary shows how many were dropped by `filter_failure`.
  1. Passwords are limited to 72 bytes of UTF-8 (bcrypt's limit), but `maxLength` counts
     characters: 72 non-ASCII characters are schema-valid and still too long.
  2. An Idempotency-Key reused with a different body is 422 (SPEC), which depends on an
     earlier request, not on the schema.
  3. A list cursor is signed by the API: one the fuzzer makes up (or one sent with `page`) is
     422 on `query.cursor`; no schema can say which strings carry a valid signature.
  4. PATCH with an If-Match that does not name the order's current ETag is 412 (RFC 9110
     §13.1.1), which depends on the order's version, not on the schema; the 412 carries the
     current ETag, which must then not be one the request named as a strong tag.
"""

import re

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


def _forged_cursor(case, errors):
    query = case.query if isinstance(case.query, dict) else {}
    return (
        case.operation.path == "/orders/user/{user_id}"
        and "cursor" in query
        and len(errors) > 0
        and all(error.get("path") == "query.cursor" for error in errors)
    )


def _stale_if_match(case, response):
    headers = {k.lower(): v for k, v in (case.headers or {}).items()}
    if_match = headers.get("if-match")
    current = response.headers.get("etag") or response.headers.get("ETag")
    if isinstance(current, list):
        current = current[0] if current else None
    if case.method != "PATCH" or if_match is None or not current:
        return False
    strong = re.findall(r'(?:^|,)\s*("[^"]*")', str(if_match))
    return if_match.strip() != "*" and current not in strong


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if getattr(failure, "code", None) != "ST202":
        return True
    if response.status_code == 412:
        reason = "If-Match not the current ETag" if _stale_if_match(case, response) else None
    elif response.status_code == 422 and (errors := _errors(response)) is not None:
        reason = (
            "password over 72 bytes" if _password_too_long(case, errors)
            else "Idempotency-Key reused with another body" if _idempotency_key_reused(case, errors)
            else "made-up or page-and-cursor list cursor" if _forged_cursor(case, errors)
            else None
        )
    else:
        return True
    if reason and os.environ.get("FUZZ_DROPPED_LOG"):
        with open(os.environ["FUZZ_DROPPED_LOG"], "a", encoding="utf-8") as log:
            log.write(f"{case.method} {case.operation.path}: {reason}\n")
    return reason is None
