"""Writes of the rules app, by sub-domain: `rules` (create, edit); moves are in `transitions`."""
