"""`manage.py check_translations`: passes on the repository, fails on an unmarked string a
person reads (templates and Python) and on a catalogue entry left empty or fuzzy."""

import io
import struct
import time
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
        'def clean(form):\n    form.add_error("email", "That address is taken.")\n',
        'def clean(self):\n    self.add_error(None, f"{self.x} is not allowed")\n',
        'import audit.log\n\naudit.log.describe("plan.created", "Created a plan")\n',
        'def describe_kind(kind, label):\n    pass\n\ndescribe_kind("news", "News")\n',
        'def setup(form):\n    form.fields["amount"].label = f"Amount ({form.currency})"\n',
        'from django.db import models\n\nclass Entry(models.Model):\n    class Meta:\n        verbose_name = "entry"\n',
        'class EventRefused(Exception):\n    pass\n\ndef go(event):\n    raise EventRefused(f"{event} is over.")\n',
        'class OutboxError(Exception):\n    pass\n\ndef go():\n    raise OutboxError("Only a failed delivery.")\n',
        'from django.utils.html import format_html\n\ndef cell(n):\n    return format_html("<b>{}</b> people", n)\n',
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
            "members/apps.py": 'from django.apps import AppConfig\n\nclass C(AppConfig):\n    label = "members"\n',
            "members/markup.py": (
                "from django.utils.html import format_html\nfrom django.utils.translation import gettext as _\n\n"
                'def cell(n, form):\n    form.add_error("n", _("Too many."))\n'
                '    raise ValueError("an operator reads this")\n'
                "    return format_html('<a href=\"{}\">{}</a>', n, n)\n"
            ),
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


MARKED = {
    "members/sample.py": (
        "from django.utils.translation import gettext_lazy, ngettext, pgettext\n\n"
        'A = gettext_lazy("Sign in")\nB = pgettext("navigation", "Main")\n'
        'C = ngettext("%(n)s seat", "%(n)s seats", 2)\n'
    ),
    "templates/sample.html": (
        "{% load i18n %}{% translate 'Sign in' %}\n"
        "{% blocktranslate trimmed with name=member.name %}\n  Dear {{ name }},\n{% endblocktranslate %}\n"
    ),
}
TRANSLATED = GOOD + (
    'msgid "%(n)s seat"\nmsgid_plural "%(n)s seats"\nmsgstr[0] "%(n)s plaza"\nmsgstr[1] "%(n)s plazas"\n\n'
    'msgid "Dear %(name)s,"\nmsgstr "Estimado/a %(name)s:"\n\n'
)
COMPILED_ALL = {**COMPILED, "%(n)s seat": "%(n)s plaza", "Dear %(name)s,": "Estimado/a %(name)s:"}


def test_marked_strings_every_catalogue_translates_pass(tmp_path):
    root = _catalogue(tmp_path, HEADER + TRANSLATED, None)
    (root / "locale/es/LC_MESSAGES/django.mo").write_bytes(_mo_with_plural(COMPILED_ALL))
    _project(root, MARKED)
    _check(root)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("members/other.py", 'from django.utils.translation import gettext as _\n\nX = _("Renew now")\n'),
        ("members/other.py", 'from django.utils.translation import pgettext\n\nX = pgettext("menu", "Sign in")\n'),
        ("templates/other.html", "{% load i18n %}<p>{% translate 'Renew now' %}</p>"),
        ("templates/other.txt", "{% load i18n %}{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}"),
    ],
)
def test_a_marked_string_no_catalogue_translates_fails(tmp_path, name, text):
    root = _catalogue(tmp_path, HEADER + TRANSLATED, None)
    (root / "locale/es/LC_MESSAGES/django.mo").write_bytes(_mo_with_plural(COMPILED_ALL))
    _project(root, {**MARKED, name: text})
    with pytest.raises(CommandError, match="1 string"):
        _check(root)


def test_the_check_of_the_whole_repository_is_quick():
    started = time.monotonic()
    test_the_repository_passes()
    assert time.monotonic() - started < 20


def _mo_with_plural(translations: dict[str, str]) -> bytes:
    """As _mo, the plural entry keyed by its singular and plural joined by NUL."""
    plural = {key: value for key, value in translations.items() if key != "%(n)s seat"}
    plural["%(n)s seat\0%(n)s seats"] = "%(n)s plaza\0%(n)s plazas"
    return _mo(plural)
