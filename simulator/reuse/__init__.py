"""Reuse of finished groups: a content-addressed store of COMPLETED groups and the session that
restores them into a new run instead of running them again (docs/reuse.md)."""

from simulator.reuse.keys import group_key
from simulator.reuse.session import ReuseSession
from simulator.reuse.store import DEFAULT_CAP, ReuseEntry, ReuseStore, reuse_root

__all__ = ["DEFAULT_CAP", "ReuseEntry", "ReuseSession", "ReuseStore", "group_key", "reuse_root"]
