"""Announcing published videos on X: composing posts (compose.py); the client and the outbox
come next."""
