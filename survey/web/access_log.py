"""The access log: one line per request, naming the route, never the address.

An address can hold what must not be kept: an invitation code (/c/<code>), a
receipt, a search. So the line has the method, the route's pattern as
declared ("/c/<code>", "/s/<slug>"), the status and the time, and nothing of
the path's values, the query string, the visitor's address or the Referer.
Even so it says when each request came; docs/anonymity.md says what that is
worth to whoever reads it.

``survey serve`` sends it to standard error (survey.serve); under another
server it goes wherever the "survey.access" logger is configured to.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, request

ACCESS_LOG = logging.getLogger("survey.access")
#: Logged for a request that matched no route: its path is not logged either.
NO_ROUTE = "-"


def register_access_log(app: Flask) -> None:
    app.after_request(_log_request)


def _log_request(response: Response) -> Response:
    rule = request.url_rule.rule if request.url_rule is not None else NO_ROUTE
    ACCESS_LOG.info("%s %s %s", request.method, rule, response.status_code)
    return response
