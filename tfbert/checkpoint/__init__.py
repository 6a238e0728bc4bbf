"""Hugging Face checkpoints in and out: hub resolution, readers, the one name map, writers."""

from tfbert.checkpoint.loading import assign_weights, load_pretrained, save_pretrained, state_dict
from tfbert.checkpoint.name_map import tf_to_pt
from tfbert.checkpoint.readers import CheckpointError, read_checkpoint

__all__ = [
    "CheckpointError",
    "assign_weights",
    "load_pretrained",
    "read_checkpoint",
    "save_pretrained",
    "state_dict",
    "tf_to_pt",
]
