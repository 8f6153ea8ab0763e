"""Exports with people's words: lists and reports as CSV, XLSX and PDF, drawn from one tabular
form (``Sheet``) so the three formats never disagree."""
