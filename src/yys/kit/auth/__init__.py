"""Tokens (asymmetric JWT + JWKS) and password hashing."""
