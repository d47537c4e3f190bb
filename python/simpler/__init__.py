"""Upstream's `simpler` names that scene tests import (task_interface)."""
