"""Pages of the rules app, by sub-domain."""
