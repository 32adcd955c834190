"""The eval dialogue format (`atendente-dialogues/1`): models, validation and the loader.

Dialogues are data written by hand (or recorded from production), so every mistake in a
file must surface as one readable line naming the file, the dialogue and the field, not
as a traceback or, worse, as a check that silently never runs. The models are frozen and
reject unknown keys for the same reason: a misspelt `expect` key would otherwise be
ignored and the turn would pass without testing anything.
"""

from evals.dialogue.expectations import (
    ANY_VALUE,
    DEPARTMENTS,
    NO_HANDOFF,
    NO_PROBLEM,
    TOOL_NAMES,
    ArgMatcher,
    ArgRegex,
    Expectation,
    MatchMode,
    ReplyExpectation,
    ToolCallExpectation,
    ToolsExpectation,
)
from evals.dialogue.loading import DialogueFormatError, load_dialogues, parse_dialogue_file
from evals.dialogue.model import (
    DATASET_DIR,
    FORMAT,
    Customer,
    Dialogue,
    DialogueFile,
    MediaKind,
    Store,
    Turn,
)

__all__ = [
    "ANY_VALUE",
    "DATASET_DIR",
    "DEPARTMENTS",
    "FORMAT",
    "NO_HANDOFF",
    "NO_PROBLEM",
    "TOOL_NAMES",
    "ArgMatcher",
    "ArgRegex",
    "Customer",
    "Dialogue",
    "DialogueFile",
    "DialogueFormatError",
    "Expectation",
    "MatchMode",
    "MediaKind",
    "ReplyExpectation",
    "Store",
    "ToolCallExpectation",
    "ToolsExpectation",
    "Turn",
    "load_dialogues",
    "parse_dialogue_file",
]
