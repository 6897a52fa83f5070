"""Route modules of the tracking blueprint (see ../blueprint.py)."""
