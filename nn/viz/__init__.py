"""Networks you can watch: ``TrainingRecorder`` replays a training run as a page."""

from nn.viz.recorder import Snapshot, TrainingRecorder

__all__ = ["Snapshot", "TrainingRecorder"]
