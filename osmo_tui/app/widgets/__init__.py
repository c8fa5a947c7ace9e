"""Small reusable widgets that render a `RunSnapshot` (graph, table, timeline, log, events...)."""
