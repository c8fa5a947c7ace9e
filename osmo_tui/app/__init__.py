"""The Textual front end; `osmo_tui.app.app.make_app` builds it for the CLI and for tests.

Nothing is imported here so that `import osmo_tui.app` does not load Textual.
"""
