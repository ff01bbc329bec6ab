"""HTTP plumbing shared by every service's thin API layer (Litestar)."""
