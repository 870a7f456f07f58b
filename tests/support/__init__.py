"""Helpers the tests share: paths, the task harness, factories, fakes. Fixtures: conftest."""
