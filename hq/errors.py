"""Typed errors of HQ services, each with a stable snake_case code and details; the API and the CLI turn
them into answers. Never raised for a device mutation that can't apply — that is a rejected result."""

from __future__ import annotations

from typing import Any


class HqError(Exception):
    status = 400

    def __init__(self, code: str, **details: Any) -> None:
        super().__init__(code)
        self.code = code
        self.details = details

    def __str__(self) -> str:
        extra = ", ".join(f"{k}={v!r}" for k, v in sorted(self.details.items()))
        return f"{self.code} ({extra})" if extra else self.code


class Invalid(HqError):
    status = 400


class NotFound(HqError):
    status = 404


class Conflict(HqError):
    status = 409
