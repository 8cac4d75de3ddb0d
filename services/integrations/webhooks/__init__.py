"""Webhooks in: signatures checked per provider scheme, deliveries deduplicated and announced."""
