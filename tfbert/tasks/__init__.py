"""Tasks end to end: one graph per task from raw strings to results, and ``pipeline()``.

One module per task, each a subclass of :class:`~tfbert.tasks.base.Task`, listed in
:data:`TASKS` (``tfbert/tasks/README.md`` indexes the modules and says how to add a task).
"""

from tfbert.tasks.base import Task
from tfbert.tasks.building import TaskParts, build_task_graph, default_model_path
from tfbert.tasks.graph import TaskGraph
from tfbert.tasks.pipeline import Pipeline, pipeline
from tfbert.tasks.registry import TASKS, get_task

__all__ = [
    "TASKS",
    "Pipeline",
    "Task",
    "TaskGraph",
    "TaskParts",
    "build_task_graph",
    "default_model_path",
    "get_task",
    "pipeline",
]
