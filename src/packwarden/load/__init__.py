"""Safe, position-aware readers. They return data or problems; they never raise on bad input."""
