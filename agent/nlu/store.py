"""Where the trained understanding model lives, and training it when it is not there yet.

No weights are downloaded: the model is trained from the labelled messages the project
ships (`agent/nlu/data`), once per version of that data, of the code that turns a message
into features (the model and the lexicon it reads tokens from) and of scikit-learn, and
kept in a cache directory. `atendente nlu train` builds it ahead of time; otherwise the first
process that needs it trains it (about a minute on two cores) and the others reuse it.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import logging
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import joblib
import sklearn

from agent.nlu.corpus import data_version, training_examples
from agent.nlu.model import UnderstandingModel

logger = logging.getLogger(__name__)

PROJECT_PACKAGES = frozenset({"agent", "tools"})
"""Imports followed when hashing the feature code; libraries are versioned by their own."""

MODEL_DIR_ENV = "ATENDENTE_MODEL_DIR"
"""Overrides the cache directory (default `$XDG_CACHE_HOME/atendente/models`)."""


def model_dir() -> Path:
    """The directory trained models are kept in."""
    configured = os.environ.get(MODEL_DIR_ENV)
    if configured:
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "atendente" / "models"


def feature_sources(root: str = "agent.nlu.model") -> list[Path]:
    """The project's source files a message's features depend on: `root` and what it imports.

    Followed through `import` statements, so a new lexicon module is covered without a list
    to keep up to date.
    """
    seen: dict[str, Path] = {}
    pending = [root]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:  # `package.attribute`, not a module
            continue
        if spec is None or spec.origin is None:
            continue
        seen[name] = Path(spec.origin)
        tree = ast.parse(seen[name].read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                pending.append(node.module)  # and `from package import module`:
                pending += [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                pending += [alias.name for alias in node.names]
        pending = [n for n in pending if n.split(".")[0] in PROJECT_PACKAGES]
    return sorted(seen.values())


def code_version() -> str:
    """A hash of the code a message's features come from: the model and the lexicon.

    A change to a lexicon cue changes the tokens the model was trained on, so a model
    cached before it must not be reused.
    """
    digest = hashlib.sha256()
    for source in feature_sources():
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:12]


def model_path() -> Path:
    """The file of the model for this data, this code and this scikit-learn."""
    version = f"{data_version()}-{code_version()}-sklearn{sklearn.__version__}"
    return model_dir() / f"understanding-{version}.joblib"


def train(path: Path | None = None) -> UnderstandingModel:
    """Train on the shipped data and save the model atomically (concurrent trainers are safe)."""
    target = path or model_path()
    logger.info(
        "training the understanding model (once per version of the data and the feature code)"
    )
    model = UnderstandingModel().fit(training_examples())
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".tmp", delete=False) as tmp:
        joblib.dump(model, tmp)
    os.replace(tmp.name, target)
    return model


@lru_cache(maxsize=1)
def load_model() -> UnderstandingModel:
    """The model for the shipped data: read from the cache, or trained once and cached."""
    path = model_path()
    if path.exists():
        try:
            model = joblib.load(path)
        except Exception as error:  # a truncated or foreign file is rebuilt, not trusted
            logger.warning("understanding model unreadable, retraining: %s", type(error).__name__)
        else:
            if isinstance(model, UnderstandingModel):
                return model
    return train(path)
