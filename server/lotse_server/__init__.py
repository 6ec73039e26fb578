"""Lotse server: the I/O layer around the pure `lotse` core.

A Starlette application with the WebSocket endpoint (wire protocol v1), the
browser snippet, health and metrics endpoints, session stores, the experiment
ledger and the bundled demo site. `create_app` builds it; `lotse serve` runs it.
"""

from .app import create_app
from .ledger import Ledger, Row
from .settings import InsecureSettings, Settings
from .store import MemoryStore, SessionStore

__all__ = [
    "InsecureSettings",
    "Ledger",
    "MemoryStore",
    "Row",
    "SessionStore",
    "Settings",
    "create_app",
]
