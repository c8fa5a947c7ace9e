"""The local stand-in for an OSMO pool: `simulator.pool.config.load_pool` (platforms, limits)."""
