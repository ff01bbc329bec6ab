"""Alembic environment shared by every service; the service comes from the config attributes."""

from alembic import context

from yys.kit.migrations import run_env

run_env(context)
