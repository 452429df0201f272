"""Home pages by role: what needs doing today, each line a count that links to the work."""
