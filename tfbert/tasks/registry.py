"""The registry: one line per task. A task is one module holding a :class:`~tfbert.tasks.base.Task`
subclass (see ``tfbert/tasks/README.md``); adding one is that module and a line here."""

from __future__ import annotations

from tfbert.tasks.base import Task
from tfbert.tasks.feature_extraction import FeatureExtraction
from tfbert.tasks.fill_mask import FillMask
from tfbert.tasks.multiple_choice import MultipleChoice
from tfbert.tasks.next_sentence_prediction import NextSentencePrediction
from tfbert.tasks.question_answering import QuestionAnswering
from tfbert.tasks.sentence_embedding import SentenceEmbedding
from tfbert.tasks.text_classification import TextClassification
from tfbert.tasks.token_classification import TokenClassification

__all__ = ["TASKS", "TASK_ALIASES", "Task", "get_task"]

TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        SentenceEmbedding(),
        FeatureExtraction(),
        TextClassification(),
        TokenClassification(),
        QuestionAnswering(),
        NextSentencePrediction(),
        MultipleChoice(),
        FillMask(),
    )
}
TASK_ALIASES: dict[str, str] = {alias: t.name for t in TASKS.values() for alias in t.aliases}


def get_task(name: str) -> Task:
    """The task called ``name`` (or an alias such as ``"sentiment-analysis"``).

    Args:
        name: A task name or alias.

    Returns:
        The registered :class:`~tfbert.tasks.base.Task`.

    Raises:
        ValueError: Unknown task; the message lists the known ones.

    Example:
        >>> get_task("sentiment-analysis").name
        'text-classification'
    """
    task = TASKS.get(TASK_ALIASES.get(name, name)) if isinstance(name, str) else None
    if task is None:
        raise ValueError(f"unknown task {name!r}; tfbert knows {', '.join(sorted(TASKS))}")
    return task
