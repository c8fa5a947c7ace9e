"""OSMO's execution semantics as a pure state machine, shared by every backend."""
