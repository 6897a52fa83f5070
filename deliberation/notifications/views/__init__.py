"""Route modules of the notifications blueprint (see ../blueprint.py)."""
