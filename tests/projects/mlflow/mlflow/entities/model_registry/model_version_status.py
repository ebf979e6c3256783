"""Trimmed: mlflow reads these numbers from its protobuf ``ModelVersionStatus``
(model_registry.proto); the same names and numbers are written out here."""


class ModelVersionStatus:
    """Enum for status of an :py:class:`mlflow.entities.model_registry.ModelVersion`."""

    PENDING_REGISTRATION = 1
    FAILED_REGISTRATION = 2
    READY = 3

    _STRING_TO_STATUS = {
        "PENDING_REGISTRATION": PENDING_REGISTRATION,
        "FAILED_REGISTRATION": FAILED_REGISTRATION,
        "READY": READY,
    }
    _STATUS_TO_STRING = {value: key for key, value in _STRING_TO_STATUS.items()}

    @staticmethod
    def to_string(status):
        if status not in ModelVersionStatus._STATUS_TO_STRING:
            raise Exception(
                f"Could not get string corresponding to model version status {status}. "
                f"Valid statuses: {list(ModelVersionStatus._STATUS_TO_STRING.keys())}"
            )
        return ModelVersionStatus._STATUS_TO_STRING[status]
