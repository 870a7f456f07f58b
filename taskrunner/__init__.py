"""taskrunner: a zero-dependency task runner that keeps an OpenClaw agent healthy."""

__version__ = "0.1.0"
