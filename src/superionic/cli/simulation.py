"""CLI subcommands (simulation)."""
