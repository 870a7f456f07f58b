"""``runner.py install`` / ``uninstall``: wiring taskrunner into OpenClaw or a system scheduler."""
