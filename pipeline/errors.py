"""The project's exceptions: one root, one family for bad input, messages that say what to do."""
from __future__ import annotations


class PipelineError(Exception):
    """Root of every error the pipeline raises on purpose."""


class BadInputError(PipelineError):
    """A file that cannot be processed as a meeting summary. ``status`` names the case."""

    status = "failed"

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message


class EmptyFileError(BadInputError):
    status = "empty"


class NotPDFError(BadInputError):
    status = "not-pdf"


class CorruptPDFError(BadInputError):
    status = "corrupt"


class EncryptedPDFError(BadInputError):
    status = "encrypted"


class NoTextLayerError(BadInputError):
    status = "needs-ocr"


class TooLargeError(BadInputError):
    status = "too-large"


class ResourceLimitError(BadInputError):
    """The worker ran out of its time or memory budget on this file."""

    status = "resource-limit"


class ModelError(PipelineError):
    """The spaCy pipeline in models/ is missing or broken."""


class OutputError(PipelineError):
    """The output folder or its database cannot be used."""


class ReviewError(PipelineError):
    """A verdict, a review sheet or an annotation export that cannot be recorded as it is."""
