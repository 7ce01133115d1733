"""Analysis of survey answers: statistics, Plotly figures and documents.

This package works on plain data (see :mod:`reports.data`) so that a report can
be built from the database, from an exported file or from a test fixture alike.
It must never import Flask, SQLAlchemy or the ``survey`` package.
"""
