"""Migration tests for projects that use rowstamp: one module per check."""
