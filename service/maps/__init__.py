"""The map's data: open reports as markers, shaped for each audience by its policy."""
