"""Read a workflow file the way OSMO does: `simulator.spec.loader.load_workflow` is the entry point.

Modules: render (sections, --set, sandboxed Jinja), yamlpos (YAML with positions), models
(pydantic), checks/poolchecks (document and pool rules), locate (file:line:col), tokens,
units (durations, exit codes, quantities), graph (the group DAG).
"""
