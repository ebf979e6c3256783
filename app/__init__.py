"""The example application whose models rowstamp migrates."""
