"""Pure computations behind the dashboard (no ORM): funnel gap, curve classification, hot spots.

Each module takes plain numbers or numpy arrays and returns small dataclasses, so it can be
tested on synthetic data and reused by the API, the pages and the alert task alike.
"""
