"""Tasks end to end: one graph per task from raw strings to results, and ``pipeline()``."""

from tfbert.tasks.building import TaskParts, build_task_graph, default_model_path
from tfbert.tasks.graph import TaskGraph
from tfbert.tasks.pipeline import Pipeline, pipeline
from tfbert.tasks.registry import TASKS, get_task

__all__ = [
    "TASKS",
    "Pipeline",
    "TaskGraph",
    "TaskParts",
    "build_task_graph",
    "default_model_path",
    "get_task",
    "pipeline",
]
