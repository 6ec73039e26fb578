"""Lotse: real-time, cookie-free personalization for health and pharma websites."""
