"""API room: reading and checking request bodies; bad input becomes a clear 400/422."""

from __future__ import annotations

from flask import request

from errors import DomainError, Invalid


def json_body(optional: bool = False) -> dict:
    """The request's JSON object; 400 when the body is not a JSON object."""
    if not request.data and optional:
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError("Nội dung yêu cầu phải là một đối tượng JSON.", code="bad_request", status=400)
    return data


def int_value(data: dict, name: str, required: bool = True, minimum: int | None = None,
              maximum: int | None = None, label: str | None = None) -> int | None:
    """An integer field (bools refused), within bounds; messages name it by ``label`` (what the page
    calls it, for citizens) or by its key."""
    value = data.get(name)
    shown = label or name
    if value is None:
        if required:
            raise Invalid(f"Thiếu trường “{shown}”.", fields={name: "required"})
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"Trường “{shown}” phải là số nguyên.", fields={name: "integer"})
    if not -(2**31) <= value < 2**31:  # no id or setting is that large; keep it from the driver
        raise Invalid(f"Trường “{shown}” nằm ngoài giới hạn cho phép.", fields={name: "range"})
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise Invalid(f"Trường “{shown}” nằm ngoài giới hạn cho phép.", fields={name: "range"})
    return value


def str_value(data: dict, name: str, required: bool = True, max_length: int = 200,
              default: str = "", label: str | None = None) -> str:
    """A string field, stripped, within a length limit; messages name it by ``label`` or its key."""
    value = data.get(name)
    shown = label or name
    if value is None:
        if required:
            raise Invalid(f"Thiếu trường “{shown}”.", fields={name: "required"})
        return default
    if not isinstance(value, str):
        raise Invalid(f"Trường “{shown}” phải là chuỗi ký tự.", fields={name: "string"})
    value = value.strip()
    if required and not value:
        raise Invalid(f"Trường “{shown}” không được để trống.", fields={name: "required"})
    if len(value) > max_length:
        raise Invalid(f"Trường “{shown}” dài quá {max_length} ký tự.", fields={name: "too_long"})
    return value
