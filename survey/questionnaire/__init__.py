"""Questionnaires are data: a YAML definition format and its question kinds."""

from survey.questionnaire.definition import (
    DEFAULT_QUESTIONNAIRE,
    Definition,
    DefinitionError,
    dump_definition,
    load_definition,
    parse_definition,
)

__all__ = [
    "DEFAULT_QUESTIONNAIRE",
    "Definition",
    "DefinitionError",
    "dump_definition",
    "load_definition",
    "parse_definition",
]
