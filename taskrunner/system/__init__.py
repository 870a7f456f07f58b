"""Small operating-system helpers every part uses: atomic writes, lock files, child processes."""
