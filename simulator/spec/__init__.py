"""Read a workflow file the way OSMO does: `simulator.spec.loader.load_workflow` is the entry point.

Modules: render (sections, --set, sandboxed Jinja), models (pydantic), checks/poolchecks
(document and pool rules), tokens, graph (the group DAG). YAML positions, file locations
(file:line:col) and value formats are leaf modules of `simulator.common`.
"""
