"""neurorecon.figures."""
