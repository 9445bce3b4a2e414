"""Invented demonstration data, so that every page has something real to show."""
