"""The OpenAPI 3.1 document of the API, generated from the routes and their models.

spectree reads each route's decorator (its models, its answers, its tags) and
the pydantic models' JSON Schemas; :func:`openapi_document` adds what the
decorators cannot say: problem details served as ``application/problem+json``,
``Retry-After`` on 429, and the description. spectree's own documentation
pages are not used (they load their scripts from a CDN): static/api/ renders
the document under the service's Content-Security-Policy.
"""

from __future__ import annotations

import copy
from typing import Any

from spectree import Response as Answers
from spectree import SecurityScheme, SecuritySchemeData, SpecTree
from spectree.models import SecureType

from survey.web.api.schemas import Problem

DESCRIPTION = (
    "Read a programme's figures, codebook and responses, and submit responses, with a personal API "
    "token made on the service's “API tokens” page. Errors are RFC 9457 problem details in the "
    "language asked for with Accept-Language (fr, ar, en). docs/api.md in the repository says more."
)

api_spec = SpecTree(
    "flask",
    mode="strict",
    title="Training evaluation API",
    version="1.0.0",
    description=DESCRIPTION,
    # Only where spectree's own pages would be (never registered): it leaves routes under it out.
    path="api/v1/openapi",
    page_templates={},
    annotations=False,
    # Schemas by their model's name: the models of this package have unique names.
    naming_strategy=lambda model: model.__name__,
    validation_error_model=Problem,
    security_schemes=[
        SecurityScheme(name="bearerAuth", data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer"))
    ],
    security={"bearerAuth": []},
)

#: The refusals every authenticated call may answer.
COMMON_PROBLEMS = {"HTTP_401": Problem, "HTTP_429": Problem}


def answers(**models: Any) -> Answers:
    """A route's documented answers: ``models`` plus 401 and 429."""
    return Answers(**{**COMMON_PROBLEMS, **models})


def openapi_document() -> dict[str, Any]:
    """The document for the current application's routes (built once per process by spectree)."""
    document: dict[str, Any] = copy.deepcopy(api_spec.spec)
    document["servers"] = [{"url": "/"}]
    for path in document["paths"].values():
        for operation in path.values():
            for status, answer in operation.get("responses", {}).items():
                content = answer.get("content", {})
                if status.startswith(("4", "5")) and "application/json" in content:
                    content["application/problem+json"] = content.pop("application/json")
                if status == "429":
                    answer["headers"] = {
                        "Retry-After": {
                            "description": "Seconds to wait before the next request.",
                            "schema": {"type": "integer", "minimum": 1},
                        }
                    }
    return document
