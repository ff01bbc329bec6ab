"""Metrics, logging and (later) tracing plumbing shared by every process."""
