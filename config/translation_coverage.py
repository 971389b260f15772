"""Finds strings that are marked for translation but that no catalogue of a language
translates (part of `manage.py check_translations`): such a string shows in English
to a reader of Spanish although it looks done.

A marked string is, in Python, a literal given to gettext/gettext_lazy/_/gettext_noop,
ngettext(_lazy) (its singular) or pgettext(_lazy)/npgettext(_lazy) (with its context); in
a template, what Django's own extractor finds (`{% translate %}`, `{% blocktranslate %}`
bodies, `_("…")` in a filter argument), read through django.utils.translation.template's
`templatize`, as `makemessages` reads it. A language is one with a catalogue under
`locale/<code>/` or `<app>/locale/<code>/`; its translations are the entries of all of
those catalogues together (Django merges them the same way at run time).
"""

import ast
import io
import re
import tokenize
from pathlib import Path

from django.utils.translation.template import templatize

from config.translation_check import Finding, _po_entries, checked_files, is_pending, pending_paths

# The marker's name -> the positions of (context, singular) among its arguments.
MARKERS = {
    "gettext": (None, 0),
    "gettext_lazy": (None, 0),
    "_": (None, 0),
    "gettext_noop": (None, 0),
    "ngettext": (None, 0),
    "ngettext_lazy": (None, 0),
    "pgettext": (0, 1),
    "pgettext_lazy": (0, 1),
    "npgettext": (0, 1),
    "npgettext_lazy": (0, 1),
}
SOURCE_LANGUAGE = "en"


def untranslated(root: Path, *, pending: list[str] | None = None) -> list[Finding]:
    """Each marked string of the checked paths (pending and untranslated ones left out)
    that some language's catalogues do not translate."""
    if pending is None:
        pending = pending_paths(root) + pending_paths(root, key="untranslated")
    translated = translations(root)
    if not translated:
        return []
    findings = []
    for path in checked_files(root):
        relative = path.relative_to(root).as_posix()
        if is_pending(relative, pending):
            continue
        marked = python_marked if path.suffix == ".py" else template_marked
        for line, key in marked(path.read_text()):
            missing = sorted(code for code, keys in translated.items() if key not in keys)
            if missing:
                shown = key.split("\x04")[-1][:80]
                findings.append(
                    Finding(relative, line, f"marked but not translated into {', '.join(missing)}: {shown!r}")
                )
    return findings


def translations(root: Path) -> dict[str, set[str]]:
    """{language: the keys (msgid, or context + EOT + msgid) its catalogues translate}."""
    found: dict[str, set[str]] = {}
    for po in [*root.glob("locale/*/LC_MESSAGES/django.po"), *root.glob("*/locale/*/LC_MESSAGES/django.po")]:
        code = po.parent.parent.name
        if code == SOURCE_LANGUAGE:
            continue
        keys = found.setdefault(code, set())
        for entry in _po_entries(po.read_text()):
            if entry["msgid"] and not entry["fuzzy"] and entry["msgstr"] and all(entry["msgstr"]):
                keys.add(_key(entry["context"], entry["msgid"]))
    return found


def python_marked(source: str) -> list[tuple[int, str]]:
    """(line, key) of each literal a Python module marks."""
    return sorted(
        (node.lineno, key)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and (key := _call_key(node)) is not None
    )


def _call_key(call: ast.Call) -> str | None:
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    if name not in MARKERS:
        return None
    context_at, message_at = MARKERS[name]
    values = [arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None for arg in call.args]
    if len(values) <= message_at or values[message_at] is None:
        return None  # a variable passed to gettext: nothing to extract
    context = values[context_at] if context_at is not None else ""
    return None if context is None else _key(context, values[message_at])


TEMPLATE_CALL = re.compile(r"^(?:_|gettext|pgettext|ngettext|npgettext)$")


def template_marked(source: str) -> list[tuple[int, str]]:
    """(line, key) of each string a template marks, found as makemessages finds them."""
    # Lines lose their indent so the tokenizer, made for Python, never trips on it;
    # the strings templatize writes are on one line each (repr escapes line breaks).
    code = "\n".join(line.lstrip() for line in templatize(source).splitlines()) + "\n"
    tokens = [token for token in tokenize.generate_tokens(io.StringIO(code).readline) if token.type != tokenize.NL]
    found = []
    for index, token in enumerate(tokens):
        if token.type != tokenize.NAME or not TEMPLATE_CALL.match(token.string):
            continue
        if index + 1 >= len(tokens) or tokens[index + 1].string != "(":
            continue
        strings = []
        for argument in tokens[index + 2 :]:
            if argument.type == tokenize.STRING:
                strings.append(ast.literal_eval(argument.string))
            elif argument.string == ")" or argument.type not in (tokenize.OP, tokenize.NAME, tokenize.NEWLINE):
                break
        context_at, message_at = MARKERS[token.string]
        if len(strings) > message_at:
            found.append(
                (token.start[0], _key(strings[context_at] if context_at is not None else "", strings[message_at]))
            )
    return found


def _key(context: str, msgid: str) -> str:
    return f"{context}\x04{msgid}" if context else msgid
