"""Report writers, one module per format, in a registry keyed by format name."""
