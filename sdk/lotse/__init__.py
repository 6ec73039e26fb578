"""Lotse: real-time, cookie-free personalization for health and pharma websites.

The public API is exactly `__all__`; everything in underscore modules is
private and may change. The core is pure: a `Session` is fed protocol events
(`hello` first) and returns an `Outcome` — the messages to send, what to save,
the experiment records — so it runs the same in a server, a CLI or a test.
"""

from ._chat import ChatMatch, ChatMatcher
from ._dialogue import ChatResult
from ._engine import Engine
from ._experiment import ArmTally, Comparison, analyse, compare
from ._loader import catalogue_dir, load_site, read_site
from ._model import (
    Condition,
    Dose,
    Experiments,
    Goal,
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
    ArmNotice,
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
    SlotsFound,
    Swap,
    Verify,
    Welcome,
    parse_event,
)
from ._replay import Step, replay, replay_steps
from ._sequential import always_valid_p_value, confidence_sequence
from ._session import Outcome, Session, Trust
from ._signing import (
    Login,
    Preview,
    check_assertion,
    issue_assertion,
    issue_preview,
    issue_session_token,
    new_session_id,
    read_preview,
    read_session_token,
)
from ._site import Site
from ._stats import (
    Counts,
    benjamini_hochberg,
    days_needed,
    holm,
    sample_size_per_arm,
    srm_p_value,
    two_proportion_z_test,
    wilson_interval,
)
from ._targeting import Record
from ._validate import ConfigError, Problem

__version__ = "0.1.0"

__all__ = [
    "ArmNotice",
    "ArmTally",
    "ChatAnswer",
    "ChatMatch",
    "ChatMatcher",
    "ChatOffer",
    "ChatResult",
    "Choice",
    "Click",
    "Comparison",
    "Condition",
    "ConfigError",
    "Consent",
    "Convert",
    "Counts",
    "Dose",
    "Engine",
    "Error",
    "Event",
    "Experiments",
    "Goal",
    "Hello",
    "Intent",
    "Login",
    "Message",
    "OptIn",
    "OptOut",
    "Outcome",
    "PageView",
    "PersonaSignal",
    "Preview",
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
    "SlotsFound",
    "Step",
    "Swap",
    "Trust",
    "Tuning",
    "Variant",
    "Verify",
    "VisitorType",
    "Welcome",
    "__version__",
    "always_valid_p_value",
    "analyse",
    "benjamini_hochberg",
    "catalogue_dir",
    "check_assertion",
    "compare",
    "confidence_sequence",
    "days_needed",
    "holm",
    "issue_assertion",
    "issue_preview",
    "issue_session_token",
    "load_site",
    "new_session_id",
    "normalise",
    "parse_event",
    "read_preview",
    "read_session_token",
    "read_site",
    "replay",
    "replay_steps",
    "sample_size_per_arm",
    "srm_p_value",
    "two_proportion_z_test",
    "wilson_interval",
]
