"""Route modules of the opinions blueprint (see ../blueprint.py)."""
