"""neurorecon.io."""
