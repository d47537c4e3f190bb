"""Golden helpers upstream scene tests import."""
