"""CLI subcommands (channels)."""
