"""Stand-in for fairscale (see ../README.md): import-only."""
