"""Lotse: real-time, cookie-free personalization for health and pharma websites.

The public API is exactly `__all__`; everything in underscore modules is
private and may change. The core is pure: a `Session` is fed events and
returns messages, so it runs the same in a server, a CLI or a test.
"""

from ._chat import ChatMatch, ChatMatcher
from ._context import Context
from ._engine import Engine
from ._loader import catalogue_dir, load_site, read_site
from ._model import (
    Condition,
    Intent,
    PersonaSignal,
    Rule,
    Sensitivity,
    Signal,
    Slot,
    Tuning,
    Variant,
    VisitorType,
)
from ._normalise import normalise
from ._protocol import (
    ChatAnswer,
    ChatOffer,
    Choice,
    Click,
    Consent,
    Convert,
    Error,
    Event,
    Hello,
    Message,
    OptIn,
    OptOut,
    PageView,
    ProtocolError,
    Restore,
    Say,
    Seen,
    Swap,
    Verify,
    Welcome,
    parse_event,
)
from ._replay import replay
from ._session import Record, Session
from ._signing import (
    check_assertion,
    issue_assertion,
    issue_session_token,
    new_session_id,
    read_session_token,
)
from ._site import Site
from ._validate import ConfigError, Problem

__version__ = "0.1.0"

__all__ = [
    "ChatAnswer",
    "ChatMatch",
    "ChatMatcher",
    "ChatOffer",
    "Choice",
    "Click",
    "Condition",
    "ConfigError",
    "Consent",
    "Context",
    "Convert",
    "Engine",
    "Error",
    "Event",
    "Hello",
    "Intent",
    "Message",
    "OptIn",
    "OptOut",
    "PageView",
    "PersonaSignal",
    "Problem",
    "ProtocolError",
    "Record",
    "Restore",
    "Rule",
    "Say",
    "Seen",
    "Sensitivity",
    "Session",
    "Signal",
    "Site",
    "Slot",
    "Swap",
    "Tuning",
    "Variant",
    "Verify",
    "VisitorType",
    "Welcome",
    "__version__",
    "catalogue_dir",
    "check_assertion",
    "issue_assertion",
    "issue_session_token",
    "load_site",
    "new_session_id",
    "normalise",
    "parse_event",
    "read_session_token",
    "read_site",
    "replay",
]
