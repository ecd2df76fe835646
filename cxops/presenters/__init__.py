"""Presenters: an answer declared once for the page, the API and the exports.

Selectors return plain data; a presenter adds what a reader needs (translated labels, URLs,
colours, chart specs) so that every entry point says the same thing.
"""
