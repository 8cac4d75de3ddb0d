"""Agent releases: a tenant's whole agent configuration as immutable numbered releases, gated, rolled out by share
and rolled back (docs/releases.md)."""
