"""The REST API under /api/v1/: one module per resource, read-only of the domain apps' functions."""
