"""What the runner reads of OpenClaw itself: its JSON5 config, ``$include`` and the workspace."""
