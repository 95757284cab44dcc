"""CLI subcommands (meanfield)."""
