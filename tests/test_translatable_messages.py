"""Every message a domain error carries is translatable (the portal shows them in Polish too).

An AST walk over ruledesk/, workflows/ and rules_engine/ (migrations aside) fails on a
bare string literal (or an f-string, or a literal formatted with % or .format) passed
as the message of an `ApplicationError` subclass, `ValidationFailed.on` or
`FieldError`, or of a local helper that forwards its argument to one of them.
Messages go through `_("...")` (gettext), values through `%(name)s` placeholders.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ruledesk import errors
from tests.test_layering import ROOT, source_files

PACKAGES = ("ruledesk", "workflows", "rules_engine")
# Local helpers that pass one of their parameters on as a message: name -> its index.
# A new helper of that kind must be added here (the test finds them and says so).
WRAPPERS = {
    "_err": 2,  # rules_engine/validation.py: _err(field, code, message)
    "problem": 1,  # workflows/sla/services/calendars.py: problem(path, message, code)
    "_reference": 1,  # rules_engine/validation.py: _reference(kind, missing)
}


def _subclasses(cls: type[object]) -> set[str]:
    found: set[str] = set()
    for sub in cls.__subclasses__():
        found |= {sub.__name__} | _subclasses(sub)
    return found


ERRORS = {"ApplicationError"} | _subclasses(errors.ApplicationError)


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _argument(call: ast.Call, index: int, keyword: str) -> ast.expr | None:
    if len(call.args) > index and not any(isinstance(a, ast.Starred) for a in call.args):
        return call.args[index]
    return next((kw.value for kw in call.keywords if kw.arg == keyword), None)


def message_of(call: ast.Call) -> ast.expr | None:
    """The message argument when `call` builds a domain error, else None."""
    func = call.func
    name = _name(func)
    if name == "on" and isinstance(func, ast.Attribute) and _name(func.value) == "ValidationFailed":
        return _argument(call, 1, "message")
    if name == "FieldError":
        return _argument(call, 2, "message")
    if name in ERRORS:
        return _argument(call, 0, "detail")
    if name in WRAPPERS:
        return _argument(call, WRAPPERS[name], "message")
    return None


def is_bare(node: ast.expr) -> bool:
    """A message written out in the source without gettext."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value != ""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return is_bare(node.left) or is_bare(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and is_bare(node.func.value)
    if isinstance(node, ast.IfExp):
        return is_bare(node.body) or is_bare(node.orelse)
    return False


@dataclass(frozen=True)
class Finding:
    where: str
    line: int
    text: str


def findings(path: Path) -> Iterator[Finding]:
    tree = ast.parse(path.read_text(), filename=str(path))
    where = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            message = message_of(node)
            if message is not None and is_bare(message):
                yield Finding(where, node.lineno, ast.unparse(node)[:100])


def unlisted_wrappers(path: Path) -> Iterator[str]:
    """Functions that forward a parameter as a message but are not in WRAPPERS."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        params = [a.arg for a in function.args.posonlyargs + function.args.args]
        for node in ast.walk(function):
            if not isinstance(node, ast.Call):
                continue
            message = message_of(node)
            if isinstance(message, ast.Name) and message.id in params:
                index = params.index(message.id) - (1 if params[:1] in (["self"], ["cls"]) else 0)
                if WRAPPERS.get(function.name) != index:
                    yield f"{path.relative_to(ROOT)}:{function.lineno} {function.name}"


def _files() -> list[Path]:
    files = [path for package in PACKAGES for path in source_files(package)]
    # ruledesk/errors.py defines the family (`on` forwards its message by design).
    return [path for path in files if path != ROOT / "ruledesk" / "errors.py"]


def test_no_domain_error_carries_a_message_that_cannot_be_translated() -> None:
    files = _files()
    assert len(files) > 100
    assert [f"{f.where}:{f.line} {f.text}" for path in files for f in findings(path)] == []


def test_every_helper_that_forwards_a_message_is_checked_too() -> None:
    assert [found for path in _files() for found in unlisted_wrappers(path)] == []


def test_the_walk_catches_each_bare_form(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "raise errors.NotFound('The ticket is gone.')\n"
        "raise errors.ValidationFailed.on('body', f'At most {n} characters.')\n"
        "errors.FieldError('path', 'code', 'Unknown field.' if a else _('x'))\n"
        "raise Conflict(message='%s exists' % name)\n"
        "_err(path, 'invalid', 'A list of actions.')\n"
        "raise errors.NotFound(_('The ticket is gone.'))\n"
        "raise errors.ValidationFailed.on('body', _('At most %(n)s.') % {'n': n})\n"
        "raise errors.PermissionDenied()\n"
        "raise errors.ValidationFailed.on('hours', str(exc))\n"
    )
    assert [f.line for f in findings(sample)] == [1, 2, 3, 5]


def test_lazy_and_eager_translations_become_plain_text() -> None:
    from django.utils.translation import gettext_lazy

    failed = errors.ValidationFailed.on("name", gettext_lazy("Must be at least 1."))
    assert failed.detail == "Must be at least 1."
    assert type(failed.detail) is str
    assert type(failed.errors[0].message) is str
    assert str(errors.NotFound()) == "Not found"
    assert type(errors.NotFound().detail) is str
