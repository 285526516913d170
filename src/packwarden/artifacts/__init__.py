"""From paths to artifacts: which kind of thing each changed file is."""
