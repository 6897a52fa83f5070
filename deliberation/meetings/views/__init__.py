"""Route modules of the meetings blueprint (see ../blueprint.py)."""
