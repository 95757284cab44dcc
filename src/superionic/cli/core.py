"""CLI subcommands (core)."""
