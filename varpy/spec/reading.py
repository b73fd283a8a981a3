"""Reading spec text: size-limited file reading and safe YAML composition with line marks.

Holds :func:`_read_text` (a spec file as text, with a located :class:`SpecError` when it
cannot be read), :func:`_compose` (YAML composed with :class:`yaml.SafeLoader` into plain data
plus the line of every key) and :func:`_fmt_key` (a key path as ``experiments[0].t_step``).

May import: :mod:`varpy.exceptions` (and PyYAML). Nothing else of varpy.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import yaml

from varpy.exceptions import SpecError


_MAX_SPEC_BYTES = 1_000_000
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
_MAX_NODES = 100_000


def _compose(text: str, path: str | None):
    """``(data, marks)``: plain Python data and ``{key path: (key line, value line)}``.

    Lines are 1-based, as an editor shows them. Duplicate keys are refused (PyYAML would keep
    the last silently).
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = None if mark is None else mark.line + 1
        raise SpecError(f"not valid YAML: {exc.problem or exc}", path=path, line=line,
                        expected="a YAML mapping of spec sections") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"not valid YAML: {exc}", path=path) from None
    finally:
        loader.dispose()
    if node is None:
        raise SpecError("the spec is empty", path=path, line=1,
                        expected="a mapping with at least 'project'")
    marks: dict[tuple, tuple[int, int]] = {}
    budget = [0]

    def build(n, keypath: tuple, key_line: int):
        budget[0] += 1
        if budget[0] > _MAX_NODES:
            raise SpecError(f"the spec expands to more than {_MAX_NODES} values (YAML aliases?)",
                            path=path, line=n.start_mark.line + 1)
        marks[keypath] = (key_line, n.start_mark.line + 1)
        if isinstance(n, (yaml.MappingNode, yaml.SequenceNode)) and n.tag not in _PLAIN_TAGS:
            raise SpecError(f"unsupported YAML tag {n.tag!r}", path=path,
                            line=n.start_mark.line + 1, key=_fmt_key(keypath),
                            expected="plain YAML values (no Python tags)")
        if isinstance(n, yaml.MappingNode):
            loader.flatten_mapping(n)  # '<<' merge keys
            out: dict = {}
            for knode, vnode in n.value:
                kline = knode.start_mark.line + 1
                if not isinstance(knode, yaml.ScalarNode):
                    raise SpecError("a mapping key must be a plain name", path=path, line=kline,
                                    key=_fmt_key(keypath))
                key = loader.construct_object(knode)
                if not isinstance(key, (str, int, float, bool)) or isinstance(key, bool):
                    key = str(knode.value)
                key = str(key)
                if key in out:
                    raise SpecError("duplicate key", path=path, line=kline,
                                    key=_fmt_key(keypath + (key,)),
                                    expected="each key once per mapping")
                out[key] = build(vnode, keypath + (key,), kline)
            return out
        if isinstance(n, yaml.SequenceNode):
            return [build(v, keypath + (i,), v.start_mark.line + 1) for i, v in enumerate(n.value)]
        try:
            return loader.construct_object(n, deep=True)
        except ValueError:
            # an implicit timestamp that is no date (2003-13-01): keep the text, so the
            # validator reports it with its key like any other unparseable time
            if n.tag == "tag:yaml.org,2002:timestamp":
                return str(n.value)
            raise SpecError(f"cannot read value {n.value!r}", path=path,
                            line=n.start_mark.line + 1, key=_fmt_key(keypath)) from None
        except yaml.YAMLError as exc:
            raise SpecError(f"cannot read value {n.value!r}: {getattr(exc, 'problem', exc)}",
                            path=path, line=n.start_mark.line + 1, key=_fmt_key(keypath),
                            expected="plain YAML values (no Python tags)") from None

    data = build(node, (), 1)
    return data, marks


def _fmt_key(keypath: Sequence) -> str | None:
    if not keypath:
        return None
    out = ""
    for part in keypath:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _read_text(path) -> str:
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > _MAX_SPEC_BYTES:
            raise SpecError(f"the spec is {size} bytes; specs are limited to "
                            f"{_MAX_SPEC_BYTES} bytes", path=str(path))
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError("spec file not found", path=str(path),
                        expected="the path of a YAML spec") from None
    except IsADirectoryError:
        raise SpecError("is a folder, not a spec file", path=str(path)) from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text: {exc}", path=str(path)) from None
    except OSError as exc:
        raise SpecError(f"cannot read the spec: {exc.strerror or exc}", path=str(path)) from None
