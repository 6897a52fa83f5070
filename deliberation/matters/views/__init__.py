"""Route modules of the matters blueprint (see ../blueprint.py)."""
