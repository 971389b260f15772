"""`manage.py check_translations`: passes on the repository, fails on an unmarked string a
person reads (templates and Python) and on a catalogue entry left empty or fuzzy."""

import io
import struct
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

PYPROJECT = '[tool.societas.translations]\npending = ["members/pending.py"]\n'


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def _check(root: Path) -> None:
    call_command("check_translations", root=str(root), stdout=io.StringIO())


def test_the_repository_passes():
    call_command("check_translations", stdout=io.StringIO())


@pytest.mark.parametrize(
    "template",
    [
        "<p>Welcome to the society</p>",
        '{% load i18n %}<img src="x.png" alt="Our logo">',
        "{% load i18n %}{% translate 'Dear' %} {{ name }}, thank you",
    ],
)
def test_an_unmarked_string_in_a_template_fails(tmp_path, template):
    root = _project(tmp_path, {"templates/sample.html": template})
    with pytest.raises(CommandError, match="1 string"):
        _check(root)


@pytest.mark.parametrize(
    "module",
    [
        'from django.contrib import messages\n\ndef view(request):\n    messages.success(request, "Saved.")\n',
        'from django import forms\n\nclass F(forms.Form):\n    name = forms.CharField(label="Your name")\n',
        'from django.core.exceptions import ValidationError\n\ndef check(v):\n    raise ValidationError(f"{v} bad")\n',
        'from django.db import models\n\nclass Status(models.TextChoices):\n    OPEN = "open", "Open"\n',
    ],
)
def test_an_unmarked_string_in_python_fails(tmp_path, module):
    root = _project(tmp_path, {"members/sample.py": module})
    with pytest.raises(CommandError, match="1 string"):
        _check(root)


def test_marked_strings_and_words_no_one_reads_pass(tmp_path):
    root = _project(
        tmp_path,
        {
            "templates/sample.html": (
                "{% load i18n %}<p class=\"lead\">{% translate 'Welcome' %}</p>\n"
                "{% blocktranslate %}Dear {{ name }},{% endblocktranslate %}\n"
                "<style>body { color: red }</style>{# a comment #}\n"
                "{% block extra_tags %}login{% endblock %}{# not read: a message tag #}\n"
            ),
            "members/sample.py": (
                "from django.contrib import messages\nfrom django.utils.translation import gettext as _\n\n"
                'def view(request):\n    messages.success(request, _("Saved."))\n    return {"key": "plain"}\n'
            ),
            "members/pending.py": 'def view(request, messages):\n    messages.success(request, "Saved.")\n',
        },
    )
    _check(root)


HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
GOOD = 'msgid "Sign in"\nmsgstr "Iniciar sesión"\n\nmsgctxt "navigation"\nmsgid "Main"\nmsgstr "Principal"\n\n'


def _mo(translations: dict[str, str]) -> bytes:
    """A compiled catalogue (GNU .mo, little-endian, no hash table) holding `translations`."""
    translations = {"": "Content-Type: text/plain; charset=UTF-8\n", **translations}
    keys = sorted(translations)
    ids, strs = [key.encode() for key in keys], [translations[key].encode() for key in keys]
    start = 28 + 16 * len(keys)
    offsets, blob = [], b""
    for text in ids + strs:
        offsets.append((len(text), start + len(blob)))
        blob += text + b"\0"
    table = b"".join(struct.pack("<2I", *pair) for pair in offsets)
    return struct.pack("<7I", 0x950412DE, 0, len(keys), 28, 28 + 8 * len(keys), 0, 0) + table + blob


def _catalogue(tmp_path: Path, po: str, compiled: dict[str, str] | None) -> Path:
    root = _project(tmp_path, {"locale/es/LC_MESSAGES/django.po": po})
    if compiled is not None:
        (root / "locale/es/LC_MESSAGES/django.mo").write_bytes(_mo(compiled))
    return root


COMPILED = {"Sign in": "Iniciar sesión", "navigation\x04Main": "Principal"}


def test_a_complete_and_compiled_catalogue_passes(tmp_path):
    _check(_catalogue(tmp_path, HEADER + GOOD, COMPILED))


@pytest.mark.parametrize(
    "entry",
    ['msgid "Renew"\nmsgstr ""\n', '#, fuzzy\nmsgid "Renew"\nmsgstr "Renovar"\n'],
)
def test_an_empty_or_fuzzy_catalogue_entry_fails(tmp_path, entry):
    root = _catalogue(tmp_path, HEADER + GOOD + entry, COMPILED)
    with pytest.raises(CommandError, match="1 string"):
        _check(root)


@pytest.mark.parametrize("compiled", [None, {"Sign in": "Iniciar sesión"}])
def test_a_catalogue_not_compiled_since_it_changed_fails(tmp_path, compiled):
    root = _catalogue(tmp_path, HEADER + GOOD, compiled)
    with pytest.raises(CommandError, match="1 string"):
        _check(root)
