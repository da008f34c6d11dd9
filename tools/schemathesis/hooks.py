"""Megawatt's own schemathesis check, loaded with SCHEMATHESIS_HOOKS=hooks.

`positive_data_acceptance` expects a 2xx for every schema-valid request, which a market
cannot promise: a well-formed order can still be refused for a named rule of the market
(`window_in_past`, `insufficient_funds`, `unknown_order`, ...). The contract Megawatt
keeps instead, checked here for every generated request the schema calls valid: it is
never refused for its *shape*. A 4xx whose problem code is one of the shape codes below
means the document let through something the server calls malformed: a failure.
"""

import json

import schemathesis

SHAPE_CODES = {"malformed_request", "invalid_field", "missing_field", "unknown_field"}


@schemathesis.check
def no_shape_refusal_of_valid_data(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code not in (400, 422):
        return None
    try:
        code = json.loads(response.text).get("code")
    except (ValueError, AttributeError):
        code = None
    if code in SHAPE_CODES:
        raise AssertionError(
            f"a schema-valid request was refused for its shape ({code}): {response.text}"
        )
    return None
