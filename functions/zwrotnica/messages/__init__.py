"""Customer messages: Polish wording, plural forms, SMS limits and sending rules. Pure code."""
