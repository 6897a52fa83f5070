"""Route modules of the directory blueprint (see ../blueprint.py)."""
