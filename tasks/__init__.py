"""Built-in task plugins: one ``<name>.py`` per task."""
