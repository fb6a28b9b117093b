"""Letter templates an administrator writes in Word: NAME.docx in the templates folder.

The document is the whole letter (letterhead, address, text, sign-off, as the council lays
it out), with the same {{name}} placeholders as a text template, read with docxtpl and
checked against the same vocabulary (domain/templates.py): an unknown name is reported with
a "did you mean", a value the case lacks by MissingValues before anything is kept. Its title
and header come from the document's properties (domain.templates.word_template).

Filling runs the document's Jinja in a sandbox with every value escaped, so a value can
neither break the document nor run anything; a value of several paragraphs (a typed
message) stays several paragraphs. A damaged or non-Word file, or a placeholder written so
that Jinja cannot read it, is a TemplateError naming the file: never a traceback.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path

from caseload_app.domain.templates import Template, TemplateError, word_template

__all__ = ["WORD_SUFFIX", "read_word_template", "render_word_template"]

WORD_SUFFIX = ".docx"
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024  # a letter that unpacks to more is not a letter


def read_word_template(path: Path, name: str) -> Template:
    """The template in a .docx file: its placeholders and its header (TemplateError when
    the file cannot be one)."""
    data = _read(path)
    from docxtpl import DocxTemplate  # loads only when a Word template is used

    with _as_template_error(path):
        doc = DocxTemplate(BytesIO(data))
        names = doc.get_undeclared_template_variables(jinja_env=_environment())
        props = doc.get_docx().core_properties
        title, comments = props.title or "", props.comments or ""
    return word_template(name, title=title, comments=comments, names=names, source=path.name)


def render_word_template(path: Path, values: Mapping[str, str], title: str) -> bytes:
    """The letter: the document with every placeholder filled. `values` have been checked
    (domain.templates.check_values); `title` is the letter's, filled, for its properties."""
    data = _read(path)
    from docxtpl import DocxTemplate, Listing

    context = {key: Listing(_paragraphs(value)) for key, value in values.items()}
    with _as_template_error(path):
        doc = DocxTemplate(BytesIO(data))
        doc.render(context, jinja_env=_environment(), autoescape=True)
        props = doc.docx.core_properties
        props.title = title[:250]
        props.comments = ""  # the template's header, not part of the letter
        out = BytesIO()
        doc.save(out)
    return out.getvalue()


def _paragraphs(value: str) -> str:
    """A value as docxtpl lays it out: a blank line starts a new paragraph ("\\a"), a line
    break stays a line break."""
    text = value.replace("\r\n", "\n").strip()
    return "\a".join(re.split(r"\n\s*\n", text))


# What a Word template's Jinja may hold: text, {{name}}, and {% if name %} (with and, or,
# not). A filter or a comparison would work on the escaped value, not the value, and a
# filter prints its codes ("O&#x27;Neil"); an include or import has nothing to load; a call
# or an attribute reaches past the value. Each is refused when the template is read.
_ALLOWED_NODES = frozenset({"Template", "Output", "TemplateData", "Name", "If", "Not", "And", "Or"})


def _environment():
    from jinja2 import StrictUndefined, nodes
    from jinja2.sandbox import SandboxedEnvironment

    class PlainPlaceholders(SandboxedEnvironment):
        def _parse(self, source, name, filename):
            tree = super()._parse(source, name, filename)
            kinds = {type(node).__name__ for node in tree.find_all(nodes.Node)}
            beyond = sorted(kinds - _ALLOWED_NODES)
            if beyond:
                raise _BeyondNames(", ".join(beyond))
            return tree

    # Strict: a name without a value stops the letter rather than printing a blank.
    return PlainPlaceholders(autoescape=True, undefined=StrictUndefined)


class _BeyondNames(Exception):
    """The template's Jinja holds more than placeholders and ifs (the kinds of node)."""


def _read(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TemplateError(
            f"{path.name}: the Word template cannot be read ({exc.strerror or exc})."
        ) from None
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise TemplateError(_not_word(path)) from None
    if unpacked > MAX_UNZIPPED_BYTES:
        raise TemplateError(f"{path.name}: the Word template is far too large to be a letter.")
    return data


def _plain(kinds: str) -> str:
    """Jinja's node names as an administrator reads them."""
    words = {"Filter": "a filter (|)", "Include": "an include", "Import": "an import",
             "FromImport": "an import", "Extends": "extends", "Call": "a call",
             "Getattr": "a dot", "Getitem": "brackets", "For": "a loop", "Macro": "a macro",
             "Compare": "a comparison", "Const": "a quoted value"}  # fmt: skip
    return ", ".join(dict.fromkeys(words.get(k, k) for k in kinds.split(", ")))


def _not_word(path: Path) -> str:
    return (
        f"{path.name} is not a Word document that can be read (it may be damaged, or another "
        "kind of file renamed .docx). Open it in Word and save it again as a Word Document "
        "(.docx)."
    )


@contextmanager
def _as_template_error(path: Path) -> Iterator[None]:
    """What python-docx, lxml and Jinja raise on a bad file or a bad placeholder, as a
    TemplateError naming the template."""
    from docx.opc.exceptions import OpcError
    from jinja2 import TemplateError as JinjaError
    from jinja2.exceptions import SecurityError, UndefinedError

    try:
        yield
    except _BeyondNames as exc:
        raise TemplateError(
            f"{path.name}: a placeholder does more than name a value ({_plain(str(exc))}). "
            "Write placeholders as {{child_name}}, and choices as {% if name %}…{% endif %}; "
            "filters, includes and other Jinja are not for letters."
        ) from None
    except SecurityError:
        raise TemplateError(
            f"{path.name}: a placeholder asks for something letters never may: use only "
            "names such as {{child_name}}."
        ) from None
    except UndefinedError as exc:  # the file changed since it was checked
        raise TemplateError(
            f"{path.name}: a placeholder has no value ({exc}); nothing was written. Try "
            "again: the template may have been changed just now."
        ) from None
    except JinjaError as exc:
        raise TemplateError(
            f"{path.name}: a placeholder is not written as one ({exc}). Write placeholders "
            "as {{child_name}}, with two braces each side; braces are for nothing else."
        ) from None
    except (OpcError, KeyError, ValueError, zipfile.BadZipFile, SyntaxError):
        # python-docx: not a Word document's parts; lxml's XMLSyntaxError is a SyntaxError
        raise TemplateError(_not_word(path)) from None
