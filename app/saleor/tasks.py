"""Outbox job handlers (Saleor writes)."""
