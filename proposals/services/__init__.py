"""Every write in the pool goes through these functions (pages, API, admin, demo, tasks)."""
