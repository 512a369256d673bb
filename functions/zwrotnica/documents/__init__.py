"""Documents we generate for customers (PDF)."""
