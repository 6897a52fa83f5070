"""Route modules of the volunteers blueprint: tasks.py (tasks, sign-up, check-in, hours) and
shop.py (points, the shop, hand-over, adjustments)."""
