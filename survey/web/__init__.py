"""The web layer: one blueprint per audience."""
