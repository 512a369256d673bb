"""Server-rendered HTML pages for customers: plain, accessible, Polish, no JavaScript."""
