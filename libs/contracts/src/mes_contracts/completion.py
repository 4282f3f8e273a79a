"""Reading a completion file (SPEC §7): bytes → ProcessCompleteRequest, or a MesError.

Used by the workstation before posting, and by tests. Encoding policy: UTF-8 (a BOM is
tolerated). Legacy Korean Windows stations may write CP949: `load_completion` decodes it
when `legacy_encodings` allows (the default), and reports the encoding it used, so
the content is stored rather than lost; pass `legacy_encodings=()` to refuse it.
"""

from __future__ import annotations

from typing import NamedTuple

from pydantic import ValidationError

from mes_contracts.api.process import ProcessCompleteRequest
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.identifiers import parse_completion_filename
from mes_contracts.validation import mes_error_from_validation

DEFAULT_LEGACY_ENCODINGS = ("cp949",)
MAX_COMPLETION_BYTES = 1_000_000


class LoadedCompletion(NamedTuple):
    request: ProcessCompleteRequest
    encoding: str


def decode_completion(
    raw: bytes, legacy_encodings: tuple[str, ...] = DEFAULT_LEGACY_ENCODINGS
) -> tuple[str, str]:
    """(text, encoding) of a completion file; MesError VALIDATION_ERROR if undecodable."""
    for encoding in ("utf-8-sig", *legacy_encodings):
        try:
            return raw.decode(encoding), "utf-8" if encoding == "utf-8-sig" else encoding
        except UnicodeDecodeError:
            continue
    raise MesError(
        ErrorCode.VALIDATION_ERROR,
        data={"field": "body", "reason": "not UTF-8", "tried": ["utf-8", *legacy_encodings]},
        detail="file is not UTF-8 text",
    )


def load_completion(
    raw: bytes,
    *,
    filename: str | None = None,
    legacy_encodings: tuple[str, ...] = DEFAULT_LEGACY_ENCODINGS,
) -> LoadedCompletion:
    """Decode, parse and validate a completion file.

    With `filename`, the name must follow `{LOT}_{PROC}_{YYYYMMDDhhmmss}.json` and agree
    with the body's lot_number and process_id. Raises MesError (VALIDATION_ERROR,
    MISSING_REQUIRED_FIELD, PAYLOAD_TOO_LARGE). `process_data` is not judged here: call
    `.request.outcome()` for that.
    """
    if len(raw) > MAX_COMPLETION_BYTES:
        raise MesError(ErrorCode.PAYLOAD_TOO_LARGE, data={"size": len(raw)})
    named = None
    if filename is not None:
        try:
            named = parse_completion_filename(filename)
        except ValueError as exc:
            raise MesError(
                ErrorCode.VALIDATION_ERROR,
                data={"field": "filename", "filename": filename},
                detail=str(exc),
            ) from None
    text, encoding = decode_completion(raw, legacy_encodings)
    try:
        request = ProcessCompleteRequest.model_validate_json(text)
    except ValidationError as exc:
        raise mes_error_from_validation(exc) from None
    if named is not None and (named.lot_number, named.process_id) != (
        request.lot_number,
        request.process_id,
    ):
        raise MesError(
            ErrorCode.VALIDATION_ERROR,
            data={
                "field": "filename",
                "filename": filename,
                "lot_number": request.lot_number,
                "process_id": request.process_id,
            },
            detail="file name does not match lot_number/process_id of its content",
        )
    return LoadedCompletion(request, encoding)
