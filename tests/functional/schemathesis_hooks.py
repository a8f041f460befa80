"""Schemathesis hooks for the API run (tests/functional/test_api_live.py).

- tus PATCH bodies are raw bytes (application/offset+octet-stream), which Schemathesis cannot
  make from a JSON Schema by itself.
- `cursor` is opaque: only a cursor the API wrote is valid, so a made-up one is rightly a
  400, which the positive checks would count against us. Cursors are tested in test_api.py.
"""

import schemathesis
from hypothesis import strategies as st

schemathesis.openapi.media_type("application/offset+octet-stream", st.binary(max_size=2048))


@schemathesis.hook
def map_query(ctx, query):
    if isinstance(query, dict) and "cursor" in query:
        return {key: value for key, value in query.items() if key != "cursor"}
    return query
