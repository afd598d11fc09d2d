"""Webhooks: event building, per-vendor signing, the outbox and delivery."""
