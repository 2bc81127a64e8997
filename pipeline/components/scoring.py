"""A trained scorer: logistic regression over named features, kept as plain JSON in models/.

The programme recogniser proposes names by its patterns; this scorer, trained by
``python -m pipeline train`` on the project's own annotated documents (corpus/dev, never the
frozen part), says how likely each is to be a programme an analyst would list. Its weights are
a JSON file (feature -> weight), so a reader can see what it learned and a diff shows what a
retraining changed; no pickle is loaded.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ModelError


@dataclass(frozen=True)
class Scorer:
    """Weights of a logistic regression over named features, and the threshold it was tuned to."""

    weights: dict[str, float]
    intercept: float
    threshold: float = 0.5
    trained_on: tuple[str, ...] = ()
    measured: dict[str, float] = field(default_factory=dict)  # what training printed: LOIO F1 before/after

    def probability(self, features: dict[str, float]) -> float:
        z = self.intercept + sum(self.weights.get(name, 0.0) * value for name, value in features.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def save(self, path: Path) -> None:
        """Write the scorer as JSON, sorted, so that retraining on the same data changes no byte."""
        data = dict(kind="logistic regression", intercept=round(self.intercept, 6), threshold=self.threshold,
                    trained_on=list(self.trained_on), measured=self.measured,
                    weights={k: round(v, 6) for k, v in sorted(self.weights.items()) if abs(v) >= 1e-6})
        tmp = Path(path).with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "Scorer | None":
        """The scorer saved at ``path``, or None when there is none (the patterns decide alone)."""
        if not Path(path).exists():
            return None
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls({k: float(v) for k, v in data["weights"].items()}, float(data["intercept"]),
                       float(data.get("threshold", 0.5)), tuple(data.get("trained_on", ())),
                       dict(data.get("measured", {})))
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise ModelError(f"{path} is not a scorer ({e}); retrain it with `python -m pipeline train`") from e
