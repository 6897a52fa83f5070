"""Route modules of the accounts blueprint (see ../blueprint.py)."""
