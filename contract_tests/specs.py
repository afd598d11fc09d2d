"""The three specs as data: operations, their documented responses, and example requests."""

from __future__ import annotations

import functools
import re._parser as re_parser
from dataclasses import dataclass
from typing import Any

import yaml
from hypothesis import HealthCheck, find, settings
from hypothesis import strategies as st

from mock_server.settings import data_dir

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
READ_METHODS = ("GET", "HEAD", "OPTIONS")


@functools.cache
def spec(api: str) -> dict[str, Any]:
    return yaml.safe_load((data_dir("specs") / f"{api}.yaml").read_text())  # type: ignore[no-any-return]


def spec_path(api: str) -> str:
    return str(data_dir("specs") / f"{api}.yaml")


def resolve(api: str, obj: Any) -> Any:
    """Follow `$ref`s (local ones: `#/components/...`) until a plain object."""
    while isinstance(obj, dict) and "$ref" in obj:
        node: Any = spec(api)
        for part in obj["$ref"].lstrip("#/").split("/"):
            node = node[part]
        obj = node
    return obj


@dataclass(frozen=True)
class Operation:
    api: str
    method: str  # upper case
    path: str
    operation_id: str

    @property
    def raw(self) -> dict[str, Any]:
        return spec(self.api)["paths"][self.path][self.method.lower()]  # type: ignore[no-any-return]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def protected(self) -> bool:
        security = self.raw.get("security", spec(self.api).get("security", []))
        return bool(security) and all(bool(req) for req in security)

    @property
    def writes(self) -> bool:
        return self.method not in READ_METHODS

    @property
    def scope(self) -> str | None:
        return self.raw.get("x-required-scope")

    @property
    def roles(self) -> list[str]:
        return list(self.raw.get("x-allowed-roles") or [])

    def parameters(self) -> list[dict[str, Any]]:
        shared = spec(self.api)["paths"][self.path].get("parameters", [])
        return [resolve(self.api, p) for p in [*shared, *self.raw.get("parameters", [])]]

    def response(self, status: int) -> dict[str, Any] | None:
        found = self.raw.get("responses", {}).get(str(status))
        return resolve(self.api, found) if found is not None else None

    def body_example(self) -> Any:
        body = resolve(self.api, self.raw.get("requestBody"))
        if not body:
            return None
        media = body.get("content", {}).get("application/json", {})
        return _example(self.api, media)

    def example_request(
        self, unknown_ids: bool = False, values: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any], Any]:
        """(path, query, json body) built from the spec's examples (or `values`, by parameter
        name). With `unknown_ids`, path ids are well-formed but (almost surely) unknown: the
        smallest value their schema allows."""
        path, query, values = self.path, {}, values or {}
        for param in self.parameters():
            if param["in"] == "path":
                value = (
                    values[param["name"]]
                    if param["name"] in values
                    else unknown_value(self.api, param)
                    if unknown_ids
                    else _example(self.api, param)
                )
                path = path.replace("{" + param["name"] + "}", _wire(value))
            elif param["in"] == "query" and param.get("required"):
                query[param["name"]] = _wire(_example(self.api, param))
        return path, query, self.body_example()


@functools.cache
def operations(api: str) -> tuple[Operation, ...]:
    out = []
    for path, item in spec(api)["paths"].items():
        for method in METHODS:
            if method in item:
                out.append(Operation(api, method.upper(), path, item[method]["operationId"]))
    return tuple(out)


def operation(api: str, operation_id: str) -> Operation:
    return next(op for op in operations(api) if op.operation_id == operation_id)


def _example(api: str, holder: dict[str, Any]) -> Any:
    if "example" in holder:
        return holder["example"]
    for item in (holder.get("examples") or {}).values():
        item = resolve(api, item)
        if isinstance(item, dict) and "value" in item:
            return item["value"]
    schema = resolve(api, holder.get("schema"))
    if isinstance(schema, dict) and "example" in schema:
        return schema["example"]
    return None


def _wire(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(_wire(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


@functools.cache
def _minimal(pattern: str) -> str:
    """The smallest string a simple id pattern (`^p_[0-9A-Za-z]{16}$`) matches."""
    try:
        return "".join(_smallest(re_parser.parse(pattern)))
    except ValueError:
        return find(
            st.from_regex(pattern, fullmatch=True),
            lambda s: True,
            settings=settings(database=None, suppress_health_check=list(HealthCheck)),
        )


def _smallest(parsed: Any) -> list[str]:
    out: list[str] = []
    for op, arg in parsed:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "IN":
            lows = [
                a if str(o) == "LITERAL" else a[0] for o, a in arg if str(o) in ("LITERAL", "RANGE")
            ]
            if not lows or any(str(o) == "NEGATE" for o, _ in arg):
                raise ValueError("unsupported class")
            out.append(chr(min(lows)))
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            low, _, sub = arg
            out += _smallest(sub) * low
        elif name == "SUBPATTERN":
            out += _smallest(arg[-1])
        elif name != "AT":
            raise ValueError(f"unsupported {name}")
    return out


def unknown_value(api: str, param: dict[str, Any]) -> Any:
    schema = resolve(api, param.get("schema", {}))
    if "enum" in schema:
        return schema["enum"][0]  # not an id (e.g. a form type): the example is fine
    if schema.get("type") == "integer":
        return min(int(schema.get("maximum", 2_000_000_000)), 2_000_000_000)
    if schema.get("format") == "uuid":
        return "00000000-0000-4000-8000-000000000000"
    if "pattern" in schema:
        return _minimal(schema["pattern"])
    return "propmock-contract-unknown"
