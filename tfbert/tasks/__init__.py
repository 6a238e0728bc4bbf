"""Tasks end to end: one graph per task from raw strings to results, and ``pipeline()``."""

from tfbert.tasks.graph import TaskGraph
from tfbert.tasks.pipeline import Pipeline, build_task_graph, default_model_path, pipeline
from tfbert.tasks.registry import TASKS, get_task

__all__ = ["TASKS", "Pipeline", "TaskGraph", "build_task_graph", "default_model_path", "get_task",
           "pipeline"]
