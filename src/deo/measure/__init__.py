"""Measurement: statistics compiled from sample surveys, records and the web."""
