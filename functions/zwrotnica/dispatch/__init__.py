"""After the commit: the dispatcher sends an Effect's messages and runs its follow-up commands; the
sweeper retries both. Use cases never import this package (import-linter checks it)."""
