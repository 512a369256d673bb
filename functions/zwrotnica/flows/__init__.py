"""Use cases: each reads through store/, decides in domain/, writes through store/, sends via notify/."""
