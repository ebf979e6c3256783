"""Trimmed: only the enumerations the models and the history use, without mlflow's
protobuf definitions (see PROVENANCE.md)."""

from mlflow.entities.lifecycle_stage import LifecycleStage
from mlflow.entities.run_status import RunStatus
from mlflow.entities.source_type import SourceType
from mlflow.entities.view_type import ViewType

__all__ = ["LifecycleStage", "RunStatus", "SourceType", "ViewType"]
