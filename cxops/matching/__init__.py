"""Matching reports and issues by what they mean: concept lexicon, segmentation, scoring (no ORM)."""
