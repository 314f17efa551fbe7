"""Service levels: deadlines and clocks in working time (``calendar`` is the pure arithmetic)."""
