"""Reads that are more than one `.filter()` deep: dashboards, metric series, scoring inputs."""
