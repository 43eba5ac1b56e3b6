"""The tracing pages, one module per feature."""
