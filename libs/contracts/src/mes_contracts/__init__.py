"""Contracts of the Withforce MES: what services, clients and integrators agree on.

Modules (import from them directly):

- `envelope`   Envelope, Actor — the CloudEvents-style event envelope
- `events`     event type constants, payload models, EVENT_TYPES registry, make_event,
               parse_payload, ENVELOPE_MODELS, EVENT_PRODUCERS
- `wire`       Redis Streams entry format (`__data__`), consumer groups, dead letters
- `errors`     ErrorCode (+ HTTP status and ko/en messages), MesError, ErrorBody, SuccessBody
- `validation` pydantic ValidationError → MesError
- `api`        REST DTOs (process start/complete, LOT, serial, label, firmware, Page)
- `process_data` per-process `process_data` models and `validate_process_data`
- `completion` reading a completion file (encoding, JSON, file name)
- `identifiers` LOT / serial / firmware / file-name formats and helpers
- `routing`    DEFAULT_ROUTING of product model WF
- `enums`, `roles`, `quality` shared vocabularies and quality records
- `catalogue`  renders docs/events.md, asyncapi.json (generator: `python -m mes_cli.catalogue`)
"""

__version__ = "0.1.0"
