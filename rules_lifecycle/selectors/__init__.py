"""Reads of the rules app, by sub-domain: `rules` (board, lists), `timeline` (a rule's story)."""
