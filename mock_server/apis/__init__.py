"""Handlers, one class per API, methods named by operationId."""
