"""CLI subcommands (report)."""
