"""neurorecon.evaluation."""
