"""The headless core of osmo-tui: OSMO's spec, pool, engine, backends and run store."""
