"""Finds strings a person reads that are not marked for translation, and catalogues with
entries left empty or fuzzy (`manage.py check_translations`, run by `make test`).

The rules, a careful heuristic rather than a parser of every language:

Templates (`*.html`, `*.txt` under `templates/` and each app's `templates/`): after
removing comments, `{% translate %}`, `{% blocktranslate %}…{% endblocktranslate %}`,
every other `{% tag %}` and `{{ variable }}`, `<script>` and `<style>` blocks and the
HTML tags themselves, any text left with a word of two or more letters is a finding
(unless its line carries a `{# not read: … #}` comment, for words no one reads);
so is a literal `alt`, `title`, `placeholder` or `aria-label` attribute. Email subjects
(`*_subject.txt`) are templates like the others.

Python modules (the apps and `config/`, migrations apart): a string literal (or
f-string) given to `messages.success/info/warning/error/debug/add_message`; as the
first argument of `ValidationError`, of an exception whose name ends in `Refused`, or
of an exception the project defines whose name ends in `Error` (a domain refusal);
as the message of `add_error(field, message)`; as the label of `audit.log.describe(code,
label)` (or another `describe_...`); as a field's `label`, `help_text`... set after
the field is made; as the text of `format_html(...)` (its words outside the tags and `{}`);
as a form or model field's `label`, `help_text`, `empty_label`, `verbose_name` or
`subject` keyword, or a field's first argument (its verbose name); as the values of
a form's `labels`, `help_texts` or `error_messages`; and the label of a `TextChoices`
member. A literal wrapped in `gettext`/`gettext_lazy`/`_`/`ngettext`/`pgettext` is
marked and passes.

Paths listed in pyproject.toml's `[tool.societas.translations] pending` (files or
folders) are not checked yet: the check is turned on path by path by taking them off.

Catalogues (`locale/<code>/LC_MESSAGES/django.po`): an entry whose translation is
empty, or that is marked fuzzy, is a finding; so is a translated entry that the
compiled `django.mo` beside it lacks (the catalogue changed and was not compiled).
And a string marked in a checked path that no catalogue of a language translates is a
finding too (config/translation_coverage.py), so a marked string never shows in English
to a reader of another language.
"""

import ast
import gettext
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

MARKERS = {"gettext", "gettext_lazy", "_", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy", "gettext_noop"}
MESSAGE_FUNCTIONS = {"success", "info", "warning", "error", "debug", "add_message"}
FIELD_KEYWORDS = {"label", "help_text", "empty_label", "verbose_name", "verbose_name_plural", "subject"}
FORM_DICTS = {"labels", "help_texts", "error_messages"}
PYTHON_PACKAGES = ("config", "audit", "notifications", "members", "events")

TEMPLATE_REMOVED = [
    re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.S),
    re.compile(r"\{#.*?#\}", re.S),
    re.compile(r"\{%\s*blocktrans(?:late)?\b.*?\{%\s*endblocktrans(?:late)?\s*%\}", re.S),
    re.compile(r"<script\b.*?</script>", re.S | re.I),
    re.compile(r"<style\b.*?</style>", re.S | re.I),
]
TEMPLATE_ATTRIBUTE = re.compile(r"""\b(alt|title|placeholder|aria-label)\s*=\s*(["'])(.*?)\2""", re.S | re.I)
TEMPLATE_SYNTAX = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)
# A template line that ends with this comment holds words no one reads (a CSS class, a tag).
NOT_READ = "{# not read"
HTML_TAG = re.compile(r"<[^>]*>", re.S)
ENTITY = re.compile(r"&#?\w+;")
WORD = re.compile(r"[^\W\d_]{2,}")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    text: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.text}"


def pending_paths(root: Path, *, key: str = "pending") -> list[str]:
    """The paths listed under [tool.societas.translations] `key` in pyproject.toml."""
    config = tomllib.loads((root / "pyproject.toml").read_text())
    return list(config.get("tool", {}).get("societas", {}).get("translations", {}).get(key, []))


def is_pending(relative: str, pending: list[str]) -> bool:
    return any(relative == path or relative.startswith(path.rstrip("/") + "/") for path in pending)


def checked_files(root: Path) -> list[Path]:
    folders = [root / "templates", *(root / package / "templates" for package in PYTHON_PACKAGES)]
    files = [path for folder in folders for path in folder.rglob("*") if path.suffix in (".html", ".txt")]
    for package in PYTHON_PACKAGES:
        files += [path for path in (root / package).rglob("*.py") if "migrations" not in path.parts]
    return sorted(files)


def unmarked(root: Path, *, pending: list[str] | None = None) -> list[Finding]:
    """Every unmarked string a person reads in the checked paths, pending ones left out."""
    pending = pending_paths(root) if pending is None else pending
    files = [(path, path.relative_to(root).as_posix()) for path in checked_files(root)]
    sources = {relative: path.read_text() for path, relative in files if not is_pending(relative, pending)}
    errors = domain_errors(source for relative, source in sources.items() if relative.endswith(".py"))
    findings = []
    for relative, source in sources.items():
        found = python_findings(source, errors=errors) if relative.endswith(".py") else template_findings(source)
        findings += [Finding(relative, line, text) for line, text in found]
    return findings


def domain_errors(sources) -> frozenset[str]:
    """The names of the exception classes the project defines whose name ends in `Error`:
    what a domain function raises to refuse, and a view shows."""
    return frozenset(
        node.name
        for source in sources
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ClassDef) and node.name.endswith("Error") and node.bases
    )


def template_findings(source: str) -> list[tuple[int, str]]:
    """(line, text) of each run of unmarked words in a template."""
    exempt = {number for number, line in enumerate(source.splitlines(), start=1) if NOT_READ in line}
    kept = source
    for pattern in TEMPLATE_REMOVED:
        kept = pattern.sub(lambda match: _blank(match.group(0)), kept)
    found = [
        (_line_of(kept, match.start()), match.group(3).strip())
        for match in TEMPLATE_ATTRIBUTE.finditer(kept)
        if WORD.search(TEMPLATE_SYNTAX.sub("", match.group(3)))
    ]
    kept = TEMPLATE_SYNTAX.sub(lambda match: _blank(match.group(0)), kept)
    kept = HTML_TAG.sub(lambda match: _blank(match.group(0)), kept)
    kept = ENTITY.sub(" ", kept)
    for number, line in enumerate(kept.splitlines(), start=1):
        if WORD.search(line) and number not in exempt:
            found.append((number, " ".join(line.split())))
    return sorted(found)


def _blank(text: str) -> str:
    """The text replaced by spaces, its line breaks kept (so line numbers stay right)."""
    return re.sub(r"[^\n]", " ", text)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def python_findings(source: str, *, errors: frozenset[str] = frozenset()) -> list[tuple[int, str]]:
    """(line, text) of each unmarked literal in the places a person reads it; `errors`
    names the project's domain exceptions (their message is read too)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            found += [(literal.lineno, _text(literal)) for literal in _call_literals(node, errors)]
        elif isinstance(node, ast.Assign) and _field_attribute(node) in FIELD_KEYWORDS and _is_literal(node.value):
            found.append((node.value.lineno, _text(node.value)))  # self.fields["x"].help_text = "..."
        elif isinstance(node, ast.Assign) and _assigned_name(node) in FORM_DICTS and isinstance(node.value, ast.Dict):
            found += [(value.lineno, _text(value)) for value in node.value.values if _is_literal(value)]
        elif isinstance(node, ast.ClassDef) and any(_name(base).endswith("Choices") for base in node.bases):
            found += [(label.lineno, _text(label)) for label in _choice_labels(node)]
    return sorted(found)


def _call_literals(call: ast.Call, errors: frozenset[str] = frozenset()) -> list[ast.expr]:
    name = _name(call.func)
    literals = []
    if name in MESSAGE_FUNCTIONS and isinstance(call.func, ast.Attribute) and _name(call.func.value) == "messages":
        literals += [arg for arg in call.args[1:2] if _is_literal(arg)]
    refusal = name == "ValidationError" or name.endswith("Refused") or name in errors
    if refusal and call.args and _is_literal(call.args[0]):
        literals.append(call.args[0])
    if name in ("add_error", "describe") or name.startswith(
        "describe_"
    ):  # add_error(field, message), describe(code, label)
        literals += [arg for arg in call.args[1:2] if _is_literal(arg)]
    if name == "format_html" and call.args and _is_literal(call.args[0], markup=True):
        literals.append(call.args[0])
    if name.endswith("Field") and call.args and _is_literal(call.args[0]):
        literals.append(call.args[0])
    literals += [kw.value for kw in call.keywords if kw.arg in FIELD_KEYWORDS and _is_literal(kw.value)]
    for kw in call.keywords:
        if kw.arg == "error_messages" and isinstance(kw.value, ast.Dict):
            literals += [value for value in kw.value.values if _is_literal(value)]
    return literals


def _choice_labels(node: ast.ClassDef) -> list[ast.expr]:
    labels = []
    for statement in node.body:
        if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Tuple):
            labels += [item for item in statement.value.elts[1:2] if _is_literal(item)]
    return labels


def _is_literal(node, *, markup: bool = False) -> bool:
    """A plain string or f-string with words in it (a marked one is a call, not a literal);
    with `markup`, words outside HTML tags and `{}` placeholders."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = PLACEHOLDER.sub(" ", HTML_TAG.sub(" ", node.value)) if markup else node.value
        return bool(WORD.search(text))
    if isinstance(node, ast.JoinedStr):
        return any(_is_literal(part, markup=markup) for part in node.values)
    if isinstance(node, ast.BinOp):  # "..." % {...} or "..." + "..."
        return _is_literal(node.left, markup=markup)
    return False


def _text(node) -> str:
    return ast.unparse(node)[:100]


def _name(node) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _field_attribute(node: ast.Assign) -> str:
    """`label` in `self.fields["x"].label = ...`; `verbose_name` in a model's Meta (never
    an AppConfig's `label`, which is a key)."""
    target = node.targets[0] if len(node.targets) == 1 else None
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) and target.id.startswith("verbose_name") else ""


def _assigned_name(node: ast.Assign) -> str:
    return _name(node.targets[0]) if len(node.targets) == 1 else ""


def catalogue_findings(root: Path) -> list[Finding]:
    """Entries of each catalogue, the project's (locale/<code>/LC_MESSAGES/django.po) and each
    app's (<app>/locale/...), left empty or fuzzy, or missing from the compiled django.mo beside
    it (the .po changed and was not compiled again)."""
    findings = []
    catalogues = [*root.glob("locale/*/LC_MESSAGES/django.po"), *root.glob("*/locale/*/LC_MESSAGES/django.po")]
    for po in sorted(catalogues):
        relative = po.relative_to(root).as_posix()
        text = po.read_text()
        for line, problem in po_problems(text):
            findings.append(Finding(relative, line, problem))
        for line, problem in uncompiled(text, po.with_suffix(".mo")):
            findings.append(Finding(relative, line, problem))
    return findings


def uncompiled(text: str, mo: Path) -> list[tuple[int, str]]:
    """(line, problem) for each translated entry the compiled catalogue lacks."""
    if not mo.exists():
        return [(1, f"not compiled: {mo.name} is missing (make compile-messages)")]
    with mo.open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog
    held = {key[0] if isinstance(key, tuple) else key for key in catalog}
    return [
        (entry["line"], f"not compiled: {entry['msgid'][:80]!r} (make compile-messages)")
        for entry in _po_entries(text)
        if entry["msgid"] and not entry["fuzzy"] and all(entry["msgstr"]) and entry["msgstr"]
        and _compiled_key(entry) not in held
    ]  # fmt: skip


def _compiled_key(entry: dict) -> str:
    return f"{entry['context']}\x04{entry['msgid']}" if entry["context"] else entry["msgid"]


def po_problems(text: str) -> list[tuple[int, str]]:
    """(line, what is wrong) for each entry that is fuzzy or has an empty translation."""
    problems = []
    for entry in _po_entries(text):
        if not entry["msgid"]:
            continue  # the header
        if entry["fuzzy"]:
            problems.append((entry["line"], f"fuzzy: {entry['msgid'][:80]!r}"))
        elif not all(entry["msgstr"]) or not entry["msgstr"]:
            problems.append((entry["line"], f"not translated: {entry['msgid'][:80]!r}"))
    return problems


def _po_entries(text: str) -> list[dict]:
    entries, entry, current = [], None, None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if entry is None and line and not line.startswith("#~"):
            entry = {"line": number, "fuzzy": False, "context": "", "msgid": "", "msgstr": [], "obsolete": False}
        if not line:
            entry, current = _close(entries, entry), None
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,") and "fuzzy" in line:
            entry["fuzzy"] = True
        elif line.startswith("msgctxt "):
            current, entry["context"] = "msgctxt", _unquote(line[8:])
        elif line.startswith('"') and current == "msgctxt":
            entry["context"] += _unquote(line)
        elif line.startswith("msgid_plural"):
            current = "msgid_plural"
        elif line.startswith("msgid "):
            current, entry["msgid"] = "msgid", _unquote(line[6:])
        elif line.startswith("msgstr"):
            entry["msgstr"].append(_unquote(line.split(" ", 1)[1]))
            current = "msgstr"
        elif line.startswith('"') and current == "msgid":
            entry["msgid"] += _unquote(line)
        elif line.startswith('"') and current == "msgstr":
            entry["msgstr"][-1] += _unquote(line)
    _close(entries, entry)
    return entries


def _close(entries: list, entry: dict | None) -> None:
    if entry is not None and (entry["msgid"] or entry["msgstr"]):
        entries.append(entry)


ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    """A PO string's text: without its quotes, its escapes (\\n, \\", \\\\) read."""
    return re.sub(r"\\(.)", lambda match: ESCAPES.get(match.group(1), match.group(0)), text.strip()[1:-1])
