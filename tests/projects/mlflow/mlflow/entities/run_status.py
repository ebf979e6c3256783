"""Trimmed: mlflow reads these numbers from its protobuf ``RunStatus`` (service.proto);
the same names and numbers are written out here (see PROVENANCE.md)."""


class RunStatus:
    """Enum for status of an :py:class:`mlflow.entities.Run`."""

    RUNNING = 1
    SCHEDULED = 2
    FINISHED = 3
    FAILED = 4
    KILLED = 5

    _STRING_TO_STATUS = {
        "RUNNING": RUNNING,
        "SCHEDULED": SCHEDULED,
        "FINISHED": FINISHED,
        "FAILED": FAILED,
        "KILLED": KILLED,
    }
    _STATUS_TO_STRING = {value: key for key, value in _STRING_TO_STATUS.items()}

    @staticmethod
    def to_string(status):
        if status not in RunStatus._STATUS_TO_STRING:
            raise Exception(
                f"Could not get string corresponding to run status {status}. Valid run "
                f"statuses: {list(RunStatus._STATUS_TO_STRING.keys())}"
            )
        return RunStatus._STATUS_TO_STRING[status]

    @staticmethod
    def all_status():
        return list(RunStatus._STATUS_TO_STRING.keys())
