"""Route modules of the public blueprint (see ../blueprint.py)."""
