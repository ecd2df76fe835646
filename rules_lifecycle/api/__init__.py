"""REST API of the rules app, by sub-domain; routes are in rules_lifecycle/api_urls.py."""
