"""Where the trained understanding model lives, and training it when it is not there yet.

No weights are downloaded: the model is trained from the labelled messages the project
ships (`agent/nlu/data`), once per data version and scikit-learn version, and kept in a
cache directory. `atendente nlu train` builds it ahead of time; otherwise the first
process that needs it trains it (about a minute on two cores) and the others reuse it.
"""

from __future__ import annotations

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

MODEL_DIR_ENV = "ATENDENTE_MODEL_DIR"
"""Overrides the cache directory (default `$XDG_CACHE_HOME/atendente/models`)."""


def model_dir() -> Path:
    """The directory trained models are kept in."""
    configured = os.environ.get(MODEL_DIR_ENV)
    if configured:
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "atendente" / "models"


def model_path() -> Path:
    """The file of the model for this data and this scikit-learn."""
    return model_dir() / f"understanding-{data_version()}-sklearn{sklearn.__version__}.joblib"


def train(path: Path | None = None) -> UnderstandingModel:
    """Train on the shipped data and save the model atomically (concurrent trainers are safe)."""
    target = path or model_path()
    logger.info("training the understanding model (once per data version)")
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
